"""Bulk ORDER transfers (`settlements.services.order_transfers.order_transfers_create_bulk`) on
whatever database
DATABASE_URL selects (SQLite by default).

    .venv/bin/python bench/order_transfers_bulk.py [--rows 100000] [--partners 1000] [--profile]
    scripts/with-postgres.sh sh -c '.venv/bin/python manage.py migrate -v0 && \
        .venv/bin/python bench/order_transfers_bulk.py'

Target (PostgreSQL, 2 cores): 100,000 rows in under 30 s, everything the call does included
(validation, calculation, payment and transfer inserts, gathering the SETTLED ones into partner
settlements). Rows: one contract, two discount-share and two additional-fee policies, ~1,000
partners; order amounts 1,000-500,000 KRW, 20 % with a discount, 30 % with one or two fees, 10 %
partly tax-free; external payments paid within the last 7 days (--days), every second payment
shared by two partners (multi-partner orders); with the contract's daily D+3 cycle about half of
the transfers are SETTLED at once and gathered into partner settlements inside the call.
Everything runs in the test namespace under a fresh id prefix and is deleted afterwards (with
raw DELETEs: the ORM's delete would write a history row per transfer) unless --keep.

The reference, in the same run (PostgreSQL): the transfer rows the call wrote are read back as
COPY text, deleted, and COPYed again as they were (every column, ids included) into the real
transfer table (its indexes and constraints) and, second figure, into a bare table of the same
columns without any. `report()` prints the call beside the first (issue 13: within 1.5x).

    .venv/bin/python bench/order_transfers_bulk.py --rows 5000     # quick (< 60 s)
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import os
import pstats
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settlement_site.settings")

import django

django.setup()
logging.getLogger("django-q").setLevel(logging.WARNING)

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_q.models import OrmQ  # noqa: E402
from ulid import ULID  # noqa: E402

from bench.common import contract_terms, partner_change  # noqa: E402
from bench.report import report  # noqa: E402
from core.versioning import services as versioning  # noqa: E402
from partners.models import Partner  # noqa: E402
from partners.services.partners import partners_create  # noqa: E402
from policies import services as policy_services  # noqa: E402
from policies.models import FeeType, Payer  # noqa: E402
from settlements.domain import calculation as calc  # noqa: E402
from settlements.models import PartnerSettlement, Payment, Transfer  # noqa: E402
from settlements.services.order_transfers import (  # noqa: E402
    ExternalPayment,
    OrderTransferRequest,
    order_transfers_create_bulk,
)


def create_terms(prefix: str) -> dict[str, str]:
    """Contract (10 %, daily D+3) and policies; returns their public ids."""
    ids = {
        "contract": f"{prefix}contract",
        "share_half": f"{prefix}dsp-50",
        "share_platform": f"{prefix}dsp-0",
        "fee_rate": f"{prefix}afp-rate",
        "fee_fixed": f"{prefix}afp-fixed",
    }
    versioning.entity_create(
        policy_services.CONTRACT,
        public_id=ids["contract"],
        is_for_test=True,
        terms=contract_terms(),
    )
    for key, rate in (("share_half", 50_000), ("share_platform", 0)):
        versioning.entity_create(
            policy_services.DISCOUNT_SHARE_POLICY,
            public_id=ids[key],
            is_for_test=True,
            terms={"name": f"쿠폰 {rate}", "memo": None, "partner_share_rate": rate},
        )
    for key, fee_type, rate, amount in (
        ("fee_rate", FeeType.FIXED_RATE, 3_000, None),
        ("fee_fixed", FeeType.FIXED_AMOUNT, None, 500),
    ):
        versioning.entity_create(
            policy_services.ADDITIONAL_FEE_POLICY,
            public_id=ids[key],
            is_for_test=True,
            terms={
                "name": f"추가 수수료 {key}",
                "memo": None,
                "fee_type": fee_type,
                "fee_rate": rate,
                "fee_amount": amount,
                "vat_payer": Payer.PARTNER,
            },
        )
    return ids


def create_partners(prefix: str, count: int, contract_id: str) -> list[str]:
    items = [
        partner_change(
            f"{prefix}p{i:05d}",
            contract_id,
            name=f"파트너 {i}",
            contact_email=f"partner{i}@example.com",
            account_number=f"110{i:07d}",
            account_holder=f"예금주 {i}",
            birthdate="1990-01-01",
        )
        for i in range(count)
    ]
    partners_create(is_for_test=True, items=items)
    return [item.id for item in items]


def build_rows(
    prefix: str, count: int, partners: list[str], ids: dict[str, str], days: int = 7
) -> list[OrderTransferRequest]:
    rng = random.Random(20251001)
    now = timezone.now()
    methods = ({"type": "CARD"}, {"type": "TRANSFER"}, {"type": "EASY_PAY", "provider": "KAKAOPAY"})
    rows = []
    payment = None
    for i in range(count):
        if i % 2 == 0:  # every payment is shared by two rows of different partners
            paid_at = now - timedelta(days=rng.randint(0, days - 1), minutes=rng.randint(0, 1440))
            payment = {
                "id": f"{prefix}pay{i // 2:07d}",
                "detail": ExternalPayment(
                    currency="KRW",
                    order_name=f"주문 {i // 2}",
                    paid_at=paid_at,
                    method=methods[i % 3],
                ),
            }
        amount = rng.randrange(1_000, 500_000, 100)
        roll = rng.random()
        discounts = ()
        if roll < 0.2:
            policy = ids["share_half"] if roll < 0.1 else ids["share_platform"]
            discounts = (calc.Discount(policy, amount // 10),)
        fees = ()
        if 0.2 <= roll < 0.5:
            fees = (calc.AdditionalFee(ids["fee_rate"]),)
            if roll < 0.3:
                fees += (calc.AdditionalFee(ids["fee_fixed"]),)
        rows.append(
            OrderTransferRequest(
                partner_id=partners[(i * 7 + i // 2) % len(partners)],
                payment_id=payment["id"],
                order=calc.Order(
                    order_amount=amount,
                    discounts=discounts,
                    additional_fees=fees,
                    tax_free_amount=amount // 2 if rng.random() < 0.1 else None,
                ),
                external_payment=payment["detail"],
            )
        )
    return rows


def backend_cpu_seconds() -> float:
    """CPU time of this connection's PostgreSQL backend process (local server only), else 0."""
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


class Phases(logging.Handler):
    """The `phases` the bulk path logs (settlements.services.order_transfers, .writes)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.phases: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        self.phases.update(getattr(record, "phases", {}))


def row_width(partner_ids: list[int]) -> dict[str, float]:
    """Average stored bytes (pg_column_size) of the transfers of these partners."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT avg(pg_column_size(t.*)), avg(pg_column_size(t.snapshot)), "
            "avg(pg_column_size(t.calc_input)) FROM settlements_transfer t "
            "WHERE t.partner_id = ANY(%s)",
            [partner_ids],
        )
        row, snapshot, calc_input = cursor.fetchone()
    return {
        "row_bytes": round(float(row or 0)),
        "snapshot_bytes": round(float(snapshot or 0)),
        "calc_input_bytes": round(float(calc_input or 0)),
    }


def copy_reference(partner_ids: list[int]) -> dict[str, float]:
    """Seconds to COPY the rows the call wrote, as stored, into the real transfer table and into
    a bare table of the same columns (each COPY and its COMMIT timed; the data is in memory).
    The real table's rows are deleted and vacuumed first, so it is about as it was before the
    call; the bare one is dropped after."""
    table = Transfer._meta.db_table
    columns = ", ".join(connection.ops.quote_name(f.column) for f in Transfer._meta.concrete_fields)
    ours = f"SELECT {columns} FROM {table} WHERE partner_id = ANY(%s) ORDER BY id"
    data = bytearray()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(
            f"COPY ({raw.mogrify(ours, [partner_ids])}) TO STDOUT"
        ) as copy:  # mogrify: COPY (query) takes no parameters
            for block in copy:
                data += block
        cursor.execute(f"DELETE FROM {table} WHERE partner_id = ANY(%s)", [partner_ids])
        cursor.execute(f"VACUUM {table}")
        cursor.execute("DROP TABLE IF EXISTS bench_bare_transfer")
        cursor.execute(f"CREATE TABLE bench_bare_transfer (LIKE {table})")
    seconds = {}
    for name, target in (("copy_real_s", table), ("copy_bare_s", "bench_bare_transfer")):
        started = time.perf_counter()
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {target} ({columns}) FROM STDIN") as copy,
        ):
            copy.write(data)
        seconds[name] = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_bare_transfer")
    seconds["copy_bytes"] = len(data)
    return seconds


def cleanup(prefix: str, ids: dict[str, str], queue_floor: int) -> None:
    alias = connection.alias
    partners = Partner.objects.filter(is_for_test=True, public_id__startswith=prefix)
    partner_ids = list(partners.values_list("pk", flat=True))
    for queryset in (
        Transfer.history.filter(is_for_test=True, partner_id__in=partner_ids),
        Transfer.objects.filter(is_for_test=True, partner_id__in=partner_ids),
        PartnerSettlement.history.filter(is_for_test=True, partner_id__in=partner_ids),
        PartnerSettlement.all_objects.filter(is_for_test=True, partner_id__in=partner_ids),
        Payment.objects.filter(is_for_test=True, public_id__startswith=prefix),
        Partner.history.filter(is_for_test=True, public_id__startswith=prefix),
    ):
        queryset._raw_delete(alias)  # no per-row signals (simple-history would log each)
    partners.delete()
    OrmQ.objects.filter(pk__gt=queue_floor).delete()  # verification tasks the partners queued
    for kind, key in (
        (policy_services.CONTRACT, "contract"),
        (policy_services.DISCOUNT_SHARE_POLICY, "share_half"),
        (policy_services.DISCOUNT_SHARE_POLICY, "share_platform"),
        (policy_services.ADDITIONAL_FEE_POLICY, "fee_rate"),
        (policy_services.ADDITIONAL_FEE_POLICY, "fee_fixed"),
    ):
        kind.model.history.filter(public_id=ids[key]).delete()
        kind.model.objects.filter(is_for_test=True, public_id=ids[key]).delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--partners", type=int, default=1_000)
    parser.add_argument(
        "--days", type=int, default=7, help="payments paid within this many days (default 7)"
    )
    parser.add_argument("--profile", action="store_true", help="print a cProfile summary")
    parser.add_argument("--dry-run", action="store_true", help="validate and compute only")
    parser.add_argument("--keep", action="store_true", help="leave the rows in the database")
    args = parser.parse_args()

    connection.ensure_connection()
    version = getattr(connection, "pg_version", "")
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']} {version}", flush=True)
    prefix = f"bench-{ULID()}-"
    queue_floor = OrmQ.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    t0 = time.perf_counter()
    ids = create_terms(prefix)
    partners = create_partners(prefix, args.partners, ids["contract"])
    rows = build_rows(prefix, args.rows, partners, ids, args.days)
    print(
        f"setup: {len(partners):,} partners, {len(rows):,} rows built in "
        f"{time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    phases = Phases()
    for name in ("settlements.services.order_transfers", "settlements.services.writes"):
        logging.getLogger(name).addHandler(phases)
        logging.getLogger(name).setLevel(logging.INFO)
    try:
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        backend = backend_cpu_seconds()
        cpu = time.process_time()
        started = time.perf_counter()
        created = order_transfers_create_bulk(is_for_test=True, rows=rows, dry_run=args.dry_run)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        backend = backend_cpu_seconds() - backend
        if profiler:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        assert len(created) == len(rows)
        statuses: dict[str, int] = {}
        for transfer in created:
            statuses[transfer.stored_status] = statuses.get(transfer.stored_status, 0) + 1
        gathered = PartnerSettlement.objects.filter(
            is_for_test=True, partner__public_id__startswith=prefix
        ).count()
        print(
            f"{len(rows):>7,} rows  {seconds:6.2f} s  {len(rows) / seconds:8,.0f} rows/s  "
            f"{'(dry run) ' if args.dry_run else ''}statuses {statuses}  "
            f"partner settlements {gathered:,}",
            flush=True,
        )
        # The box is shared: CPU seconds say what the call itself cost, whatever else ran.
        print(
            f"cpu: python {cpu:.2f} s, database backend {backend:.2f} s "
            f"(load average {os.getloadavg()[0]:.2f})",
            flush=True,
        )
        if connection.vendor == "postgresql" and not args.dry_run:
            partner_ids = list(
                Partner.objects.filter(is_for_test=True, public_id__startswith=prefix).values_list(
                    "pk", flat=True
                )
            )
            width = row_width(partner_ids)
            reference = copy_reference(partner_ids)
            print(
                f"phases: {', '.join(f'{k} {v:.2f} s' for k, v in phases.phases.items())}; "
                f"row {width['row_bytes']} B (snapshot {width['snapshot_bytes']} B, calc_input "
                f"{width['calc_input_bytes']} B); COPY real {reference['copy_real_s']:.2f} s, "
                f"bare {reference['copy_bare_s']:.2f} s",
                flush=True,
            )
            planning = phases.phases.get("plan_s")
            report(
                f"order_transfers_bulk_{len(rows) // 1000}k",
                seconds,
                reference["copy_real_s"],
                unit="s",
                reference_name="raw COPY of the same rows into the real transfer table",
                better="lower",
                target=1.5,
                extra={
                    "rows": len(rows),
                    "copy_bare_s": round(reference["copy_bare_s"], 3),
                    "copy_text_bytes_per_row": round(reference["copy_bytes"] / len(rows)),
                    "ratio_to_bare": round(seconds / reference["copy_bare_s"], 2),
                    "phases_s": {k: round(v, 3) for k, v in phases.phases.items()},
                    "planning_us_per_row": round(planning / len(rows) * 1e6, 1)
                    if planning
                    else None,
                    **width,
                    "cpu_python_s": round(cpu, 2),
                    "cpu_backend_s": round(backend, 2),
                    "load_average": os.getloadavg()[0],
                },
            )
    finally:
        if not args.keep:
            t1 = time.perf_counter()
            cleanup(prefix, ids, queue_floor)
            print(f"cleanup: {time.perf_counter() - t1:.1f} s", flush=True)


if __name__ == "__main__":
    main()
