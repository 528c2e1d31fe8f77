"""Reverse-issuance requests for 100,000 payouts (invoices.services.bulk): from the request to
every invoice REQUESTED with its e-mail queued, beside a bare INSERT of the same invoice rows
(same columns, same count) measured in the same run on the same database (DATABASE_URL).

    .venv/bin/python bench/bulk_invoices.py [--payouts 100000] [--webhook] [--keep] [--profile]

Target: request + run within TARGET (2.0) times the reference below; the issue's absolute
target, 100,000 invoices in < 120 s, is printed beside it. `report()` records
"bulk_invoices_100k" (bulk_invoices_<n> at other sizes).

Setup (not timed): our own company configured; the BUSINESS partners (partners_create in
batches of 10,000, NORMAL taxation, distinct BRNs) on a contract of their own; one NTS-connected
partner counterparty each (COPY); one bulk payout of one CONFIRMED KRW payout each (COPY; GROSS
amounts: VAT = R(S / 11), supply = S − VAT). `--webhook` adds an enabled test-mode endpoint
subscribed to every event, so the TaxInvoice.Requested messages are written too.

Timed, with the SQL statements each phase sends:

1. request: `bulk_from_payouts(bulk_payout_public_id=…)` — the selection classified, the
   BulkTaxInvoice REQUEST_PENDING with its payouts, the task enqueued after commit;
2. run: `invoices.tasks.run_bulk`, the django-q2 task's own code in-process — invoices (COPY,
   with the link of their request already in the row: no UPDATE of them after), two history
   rows each (COPY), the payouts' taxInvoiceId/Status (one UPDATE ... FROM unnest per chunk),
   webhook emission and the request e-mails (COPY) per chunk of 5,000, all in one transaction.

Then it verifies: the bulk COMPLETED with n invoices, every invoice REQUESTED with a link expiry,
2n history rows, n QUEUED e-mails, every payout REQUESTED with its invoice id.

The reference: the invoice rows just made, read back (not timed), inserted again by a bare
DB-API call — one `INSERT … VALUES` per row by psycopg's `executemany` (pipeline mode), no ORM
— into a copy of the table with the same columns, defaults, constraints and indexes
(`CREATE TABLE … (LIKE … INCLUDING ALL)`), in one transaction; the copy is dropped after.

Everything lives in the test namespace under a fresh prefix and is deleted afterwards with raw
DELETEs, unless --keep.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import os
import pstats
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settlement_site.settings")

import django

django.setup()
logging.getLogger("django-q").setLevel(logging.WARNING)

from django.db import connection, models, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_q.models import OrmQ  # noqa: E402
from ulid import ULID  # noqa: E402

from bench.bulk_payout import StatementCounter  # noqa: E402
from bench.common import contract_terms, partner_change  # noqa: E402
from bench.report import report  # noqa: E402
from core import pgcopy  # noqa: E402
from core.outbound.models import WebhookEndpoint, WebhookMessage  # noqa: E402
from core.outbound.services import endpoint_create  # noqa: E402
from core.versioning import services as versioning  # noqa: E402
from invoices import tasks  # noqa: E402
from invoices.domain.statuses import NtsConnectionStatus  # noqa: E402
from invoices.models import (  # noqa: E402
    BulkTaxInvoice,
    Counterparty,
    Notification,
    OwnCompany,
    TaxInvoice,
    TaxInvoiceEvent,
)
from invoices.services.bulk import bulk_from_payouts  # noqa: E402
from partners.domain.brn import check_digit  # noqa: E402
from partners.models import Partner  # noqa: E402
from partners.services.partners import partners_create  # noqa: E402
from payouts.models import BulkPayout, Payout  # noqa: E402
from policies.models import Contract  # noqa: E402
from policies.services import CONTRACT  # noqa: E402

BATCH = 10_000
#: request + run within 2x a bare INSERT of the invoice rows alone: the run also writes two
#: history rows and one e-mail per invoice (COPY), the payouts' link and the webhook messages
TARGET = 2.0


def q(name: str) -> str:
    return connection.ops.quote_name(name)


class Phase:
    def __init__(self, name: str) -> None:
        self.name, self.seconds, self.cpu, self.counter = name, 0.0, 0.0, StatementCounter()
        self.profile: pstats.Stats | None = None


def timed(name: str, fn, profile: bool) -> tuple[Phase, object]:
    phase = Phase(name)
    profiler = cProfile.Profile() if profile else None
    with connection.execute_wrapper(phase.counter):
        started, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        try:
            result = fn()
        finally:
            if profiler:
                profiler.disable()
            phase.seconds = time.perf_counter() - started
            phase.cpu = time.process_time() - cpu
    if profiler:
        phase.profile = pstats.Stats(profiler, stream=io.StringIO())
    print(
        f"  {name}: {phase.seconds:.2f} s (CPU of this process {phase.cpu:.2f} s), "
        f"{phase.counter.total:,} statements",
        flush=True,
    )
    return phase, result


def brn(i: int) -> str:
    first = f"{100 + i // 10_000:03d}{81 + (i // 100) % 10:02d}{i % 10_000:04d}"[:9]
    return first + str(check_digit(first))


# --- setup --------------------------------------------------------------------------------------


def make_partners(prefix: str, count: int, contract: Contract) -> list[Partner]:
    out: list[Partner] = []
    for start in range(0, count, BATCH):
        items = [
            partner_change(
                f"{prefix}p{i}",
                contract.public_id,
                partner_type="BUSINESS",
                company_name=f"벤치 상사 {i}",
                business_registration_number=brn(i),
                representative_name=f"대표 {i}",
                taxation_type="NORMAL",
                contact_email=f"p{i}@bench.example",
            )
            for i in range(start, min(count, start + BATCH))
        ]
        out.extend(partners_create(is_for_test=True, items=items))
    return out


def make_counterparties(partners: list[Partner]) -> None:
    now = timezone.now()
    rows = [
        Counterparty(
            public_id=p.public_id,
            is_for_test=True,
            brn=brn(i),
            company_name=f"벤치 상사 {i}",
            representative_name=f"대표 {i}",
            contact_name="담당자",
            contact_email=f"p{i}@bench.example",
            partner_id=p.pk,
            nts_connection_status=NtsConnectionStatus.CONNECTED,
            nts_connected_at=now,
        )
        for i, p in enumerate(partners)
    ]
    with transaction.atomic():
        pgcopy.copy_objects(Counterparty, rows)


def make_payouts(prefix: str, partners: list[Partner]) -> BulkPayout:
    rng = random.Random(20310214)
    now = timezone.now()
    bulk = BulkPayout.objects.create(
        public_id=f"{prefix}bulk",
        is_for_test=True,
        name=f"벤치 {prefix}",
        status="ONGOING",
        status_updated_at=now,
        payout_count=len(partners),
    )
    payouts = []
    for i, p in enumerate(partners):
        settlement = rng.randrange(11_000, 5_000_000)
        vat = (settlement * 10 + 55) // 110  # R_vat(S / 11), half up
        payouts.append(
            Payout(
                public_id=f"{prefix}po{i}",
                is_for_test=True,
                bulk_payout=bulk,
                partner_id=p.pk,
                status="CONFIRMED",
                status_updated_at=now,
                amount=settlement,
                supply_amount=settlement - vat,
                vat_amount=vat,
                settlement_amount=settlement,
                partner_name=p.name,
                partner_type="BUSINESS",
                partner_taxation_type="NORMAL",
                account_bank="KOOKMIN",
                account_number="11012345678905",
                account_number_last4="8905",
                account_holder="홍길동",
                partner_settlement_count=1,
            )
        )
    with transaction.atomic():
        pgcopy.copy_objects(Payout, payouts)
    return bulk


# --- the reference ------------------------------------------------------------------------------


def reference_insert(bulk: BulkTaxInvoice) -> tuple[float, int]:
    """The bulk's invoice rows inserted again by a bare DB-API loop into a LIKE copy."""
    table = q(TaxInvoice._meta.db_table)
    copy = q("bench_ref_taxinvoice")
    fields = TaxInvoice._meta.concrete_fields
    json_columns = {f.column for f in fields if isinstance(f, models.JSONField)}
    select = ", ".join(
        f"{q(f.column)}::text" if f.column in json_columns else q(f.column) for f in fields
    )
    one = "(" + ", ".join("%s::jsonb" if f.column in json_columns else "%s" for f in fields) + ")"
    columns = ", ".join(q(f.column) for f in fields)
    raw = connection.connection  # psycopg, no Django wrapper
    with raw.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {copy}")
        cursor.execute(f"CREATE TABLE {copy} (LIKE {table} INCLUDING ALL)")
        cursor.execute(f"SELECT {select} FROM {table} WHERE bulk_id = %s ORDER BY id", [bulk.pk])
        rows = cursor.fetchall()
    raw.commit()
    started = time.perf_counter()
    with raw.cursor() as cursor:  # psycopg 3 sends executemany in pipeline mode
        cursor.executemany(f"INSERT INTO {copy} ({columns}) VALUES {one}", rows)
    raw.commit()
    seconds = time.perf_counter() - started
    with raw.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {copy}")
        count = cursor.fetchone()[0]
        cursor.execute(f"DROP TABLE {copy}")
    raw.commit()
    return seconds, count


# --- checks and cleanup -------------------------------------------------------------------------


def verify(bulk: BulkTaxInvoice, payout_bulk: BulkPayout, n: int) -> None:
    bulk.refresh_from_db()
    assert (bulk.status, bulk.total_invoice_count) == ("COMPLETED", n), (bulk.status, bulk.error)
    invoices = TaxInvoice.objects.filter(bulk=bulk)
    assert invoices.filter(status="REQUESTED", link_expires_at__isnull=False).count() == n
    assert TaxInvoiceEvent.objects.filter(invoice__bulk=bulk).count() == 2 * n
    queued = Notification.objects.filter(invoice__bulk=bulk, state="QUEUED", channel="EMAIL")
    assert queued.count() == n
    payouts = Payout.objects.filter(bulk_payout=payout_bulk)
    assert payouts.filter(tax_invoice_status="REQUESTED", tax_invoice_id__isnull=False).count() == n
    total = sum(payouts.values_list("supply_amount", flat=True)) + sum(
        payouts.values_list("vat_amount", flat=True)
    )
    assert bulk.total_amount == total, (bulk.total_amount, total)


def cleanup(prefix: str, contract: Contract, bulk_pks: list[int], payout_bulk_pk: int | None):
    with transaction.atomic(), connection.cursor() as cursor:
        invoices = f"SELECT id FROM {q(TaxInvoice._meta.db_table)} WHERE bulk_id = ANY(%s)"
        for model in (Notification, TaxInvoiceEvent):
            cursor.execute(
                f"DELETE FROM {q(model._meta.db_table)} WHERE invoice_id IN ({invoices})",
                [bulk_pks],
            )
        cursor.execute(
            f"DELETE FROM {q(TaxInvoice._meta.db_table)} WHERE bulk_id = ANY(%s)", [bulk_pks]
        )
        cursor.execute(
            f"DELETE FROM {q(BulkTaxInvoice._meta.db_table)} WHERE id = ANY(%s)", [bulk_pks]
        )
        cursor.execute(
            f"DELETE FROM {q(WebhookMessage._meta.db_table)} WHERE payload LIKE %s",
            [f"%{prefix}%"],
        )
        if payout_bulk_pk is not None:
            cursor.execute(
                f"DELETE FROM {q(Payout._meta.db_table)} WHERE bulk_payout_id = %s",
                [payout_bulk_pk],
            )
            cursor.execute(
                f"DELETE FROM {q(BulkPayout._meta.db_table)} WHERE id = %s", [payout_bulk_pk]
            )
        cursor.execute(
            f"DELETE FROM {q(Counterparty._meta.db_table)} WHERE is_for_test AND public_id LIKE %s",
            [f"{prefix}%"],
        )
    Partner.objects.filter(is_for_test=True, public_id__startswith=prefix).delete()
    Partner.history.filter(is_for_test=True, public_id__startswith=prefix).delete()
    contract.delete()
    Contract.history.filter(public_id=contract.public_id).delete()


# --- main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payouts", type=int, default=100_000)
    parser.add_argument("--webhook", action="store_true", help="a subscribed test endpoint")
    parser.add_argument("--keep", action="store_true", help="leave the rows in the database")
    parser.add_argument("--profile", action="store_true", help="cProfile each timed phase")
    args = parser.parse_args()
    n = args.payouts
    if not pgcopy.is_available():
        raise SystemExit("PostgreSQL only (DATABASE_URL): the setup and the reference use COPY")
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    prefix = f"bi{str(ULID())[-8:].lower()}-"
    queue_floor = OrmQ.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    company_before = OwnCompany.objects.filter(pk=1).values().first()
    OwnCompany.objects.update_or_create(
        pk=1,
        defaults={
            "brn": "1208800767",
            "company_name": "벤치 플랫폼",
            "representative_name": "김대표",
            "contact_email": "finance@bench.example",
        },
    )
    endpoint = (
        endpoint_create(url="https://hooks.bench.example/x", is_for_test=True)
        if args.webhook
        else None
    )
    contract = versioning.entity_create(
        CONTRACT,
        public_id=f"{prefix}contract",
        is_for_test=True,
        terms=contract_terms(name="벤치마크 세금계산서 계약"),
    )
    bulk_pks: list[int] = []
    payout_bulk = None
    try:
        t0 = time.perf_counter()
        partners = make_partners(prefix, n, contract)
        t1 = time.perf_counter()
        make_counterparties(partners)
        payout_bulk = make_payouts(prefix, partners)
        with connection.cursor() as cursor:
            for model in (Payout, Counterparty, TaxInvoice, TaxInvoiceEvent, Notification):
                cursor.execute(f"ANALYZE {q(model._meta.db_table)}")
        t2 = time.perf_counter()
        print(
            f"{connection.vendor}: setup {n:,} BUSINESS partners in {t1 - t0:.1f} s, their "
            f"connected counterparties and {n:,} CONFIRMED payouts in {t2 - t1:.1f} s",
            flush=True,
        )

        def request():
            with transaction.atomic():
                return bulk_from_payouts(
                    bulk_payout_public_id=payout_bulk.public_id,
                    is_for_test=True,
                    actor="bench:finance",
                    name=f"벤치 {prefix}",
                )

        print("framework (services, ORM, COPY):", flush=True)
        first, bulk = timed("request (bulk_from_payouts)", request, args.profile)
        bulk_pks.append(bulk.pk)
        assert bulk.status == "REQUEST_PENDING", bulk.status
        second, made = timed(
            "run (invoices.tasks.run_bulk)", lambda: tasks.run_bulk(bulk.pk), args.profile
        )
        assert made == n, made
        verify(bulk, payout_bulk, n)
        total = first.seconds + second.seconds
        statements = first.counter.total + second.counter.total
        webhooks = WebhookMessage.objects.filter(endpoint=endpoint).count() if endpoint else 0
        print(
            f"verified: COMPLETED, {n:,} invoices REQUESTED, {2 * n:,} history rows, "
            f"{n:,} e-mails QUEUED, {n:,} payouts REQUESTED"
            + (f", {webhooks:,} webhook messages" if endpoint else "")
        )
        print(
            f"total {total:.2f} s for {n:,} invoices ({n / total:,.0f}/s), target < 120 s; "
            f"{statements:,} statements ({statements / n:.4f} per invoice)"
        )
        seconds, copied = reference_insert(bulk)
        assert copied == n, copied
        print(
            f"reference, bare DB-API INSERT of the same {n:,} invoice rows "
            f"({len(TaxInvoice._meta.concrete_fields)} columns, executemany, "
            f"same indexes): {seconds:.2f} s ({n / seconds:,.0f} rows/s)"
        )
        print(f"ratio, request + run / reference: {total / seconds:.1f}x")
        load = os.getloadavg()
        print(f"load average after: {' '.join(f'{x:.1f}' for x in load)}")
        report(
            "bulk_invoices_100k" if n == 100_000 else f"bulk_invoices_{n}",
            total,
            seconds,
            unit="s",
            reference_name="bare DB-API INSERT of the same invoice rows (executemany)",
            target=TARGET,
            extra={
                "invoices": n,
                "request_s": round(first.seconds, 2),
                "run_s": round(second.seconds, 2),
                "total_target_s": 120,
                "statements": statements,
                "run_cpu_s": round(second.cpu, 2),
                "webhook": bool(endpoint),
                "load_average": round(load[0], 1),
                "slowest": {
                    sql[:60]: round(sec, 2) for sql, sec in second.counter.seconds.most_common(4)
                },
            },
        )
        print("where the database time goes (time inside execute, by statement):")
        for phase in (first, second):
            print(f"  {phase.name}:\n{phase.counter.slowest()}")
            if phase.profile is not None:
                out = io.StringIO()
                phase.profile.stream = out
                phase.profile.sort_stats("cumulative").print_stats(30)
                print(out.getvalue())
    finally:
        if not args.keep:
            cleanup(prefix, contract, bulk_pks, payout_bulk.pk if payout_bulk else None)
            if endpoint is not None:
                WebhookEndpoint.objects.filter(pk=endpoint.pk).delete()
            if company_before is not None:
                OwnCompany.objects.filter(pk=1).update(
                    **{k: v for k, v in company_before.items() if k != "id"}
                )
            OrmQ.objects.filter(pk__gt=queue_floor).delete()


if __name__ == "__main__":
    main()
