"""Gathering SETTLED transfers into partner settlements (settlements.services.gather), on whatever
database DATABASE_URL selects (SQLite by default).

    .venv/bin/python bench/gather_partner_settlements.py [--transfers 1000000] [--partners 2000]
    scripts/with-postgres.sh sh -c '.venv/bin/python manage.py migrate -v0 && \
        .venv/bin/python bench/gather_partner_settlements.py'

    .venv/bin/python bench/gather_partner_settlements.py --transfers 10000000 --keep   # gather_10m
    .venv/bin/python bench/gather_partner_settlements.py --transfers 100000            # quick

Reference (PostgreSQL, issue 13): the physical limit of the gather, measured in the same run on
the same rows — a bare `INSERT INTO <temp table> SELECT <key>, SUM(...) x17, COUNT(*), MIN, MAX
FROM transfers WHERE settlement_date = ... GROUP BY <key>`, once before and once after the
gather (the gather rewrites no transfer row, so both read the same rows; the faster counts).
Target: within 3x of it ("gather_1m" at 10^6, "gather_10m" at 10^7).
Inserts the transfers (COPY on PostgreSQL, bulk_create elsewhere) for ~2,000 partners on one date
— 90 % ORDER, 8 % ORDER_CANCEL, 2 % MANUAL, over two contracts — as transfers created before
their settlement date are: IN_PROCESS, each in the open bucket of its key. Then, on the date, it
times what the hourly job does for them: the status advance (which rewrites none of them: they
are SETTLED by the date) and `partner_settlements_gather`, and checks the totals. `--unassigned`:
stored SETTLED without buckets instead, the path of transfers created SETTLED one by one.
Everything runs in the test namespace
(is_for_test=True) under a fresh id prefix and is deleted afterwards (transfers, settlements and
their history, partners, contracts, queued verification tasks), unless --keep.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settlement_site.settings")

import django

django.setup()
logging.getLogger("django-q").setLevel(logging.WARNING)

from django.db import connection, transaction  # noqa: E402
from django.db.models import Sum  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_q.models import OrmQ  # noqa: E402
from ulid import ULID  # noqa: E402

from bench.common import contract_terms, partner_change  # noqa: E402
from bench.report import report  # noqa: E402
from core.versioning import services as versioning  # noqa: E402
from partners.models import Partner  # noqa: E402
from partners.services.partners import partners_create  # noqa: E402
from policies.models import Contract  # noqa: E402
from policies.services import CONTRACT  # noqa: E402
from settlements.models import AMOUNT_COLUMNS, PartnerSettlement, Transfer  # noqa: E402
from settlements.services import buckets, gather  # noqa: E402

SETTLEMENT_DATE = date(2031, 1, 15)  # far from any real data in the test namespace


def make_contract(prefix: str, n: int) -> Contract:
    return versioning.entity_create(
        CONTRACT,
        public_id=f"{prefix}contract-{n}",
        is_for_test=True,
        terms=contract_terms(name=f"벤치마크 계약 {n}"),
    )


def make_partners(prefix: str, count: int, contracts: list[Contract]) -> list[Partner]:
    items = [
        partner_change(f"{prefix}p{i}", contracts[i % len(contracts)].public_id)
        for i in range(count)
    ]
    return partners_create(is_for_test=True, items=items)


def transfer_rows(
    prefix: str,
    count: int,
    partners: list[Partner],
    contracts: list[Contract],
    status: str = "SETTLED",
):
    """(column -> value) per transfer; amounts in the ratio of a 10 % fee on the order."""
    rng = random.Random(20310115)
    now = timezone.now()
    start = SETTLEMENT_DATE - timedelta(days=3)
    for i in range(count):
        partner = partners[rng.randrange(len(partners))]
        roll = rng.random()
        type_ = "ORDER" if roll < 0.90 else "ORDER_CANCEL" if roll < 0.98 else "MANUAL"
        order = rng.randrange(1_000, 500_000)
        fee = order // 10
        amounts = dict.fromkeys(AMOUNT_COLUMNS, 0)
        if type_ == "MANUAL":
            amounts["amount_settlement"] = rng.randrange(-50_000, 50_000)
        else:
            amounts.update(
                amount_order=order,
                amount_payment=order,
                amount_payment_supply=order * 10 // 11,
                amount_payment_vat=order - order * 10 // 11,
                amount_platform_fee=fee,
                amount_platform_fee_vat=fee // 10,
                amount_settlement=order - fee - fee // 10,
            )
        manual = type_ == "MANUAL"
        yield {
            "public_id": f"{prefix}{i}",
            "is_for_test": True,
            "type": type_,
            "stored_status": status,
            "partner_id": partner.pk,
            "contract_id": None if manual else contracts[i % len(contracts)].pk,
            "settlement_start_date": None if manual else start - timedelta(days=i % 5),
            "settlement_date": SETTLEMENT_DATE,
            "settlement_date_explicit": False,
            "settlement_currency": "KRW",
            "memo": None,
            "user_defined_properties": "[]",
            "parameters": "{}",
            "payment_id": None,
            "payment_public_id": "" if manual else f"pay-{i}",
            "original_id": None,
            "cancellation_id": "",
            "cancelled_at": None,
            # The gather reads no JSON; the lists bench/scale_10m.py measures on these rows
            # show the payment, so a minimal one (today's snapshots are ~1.5 KB).
            "snapshot": "{}"
            if manual
            else f'{{"payment": {{"type": "EXTERNAL", "id": "pay-{i}", "currency": "KRW"}}}}',
            "calc_input": "{}",
            "partner_settlement_id": None,
            "created_at": now,
            "updated_at": now,
            **amounts,
        }


def bucket_key(row: dict) -> buckets.Key:
    contract = 0 if row["type"] == "MANUAL" else row["contract_id"] or 0
    return (True, row["partner_id"], row["settlement_date"], row["type"], "KRW", contract)


def with_buckets(rows, buckets: dict):
    """Every transfer in the open bucket of its key, as `assign_open_buckets` puts a transfer
    created before its settlement date (settlements.services.buckets)."""
    for row in rows:
        row["partner_settlement_id"] = buckets[bucket_key(row)]
        yield row


def insert_transfers(rows) -> None:
    columns = [f.column for f in Transfer._meta.concrete_fields if f.column != "id"]
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Transfer._meta.db_table)
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        with transaction.atomic(), connection.cursor() as cursor:
            # The foreign keys are DEFERRABLE INITIALLY DEFERRED (Django's default): COMMIT
            # would check 3 x 10^7 references of 10^7 rows one by one (over 15 minutes on the
            # shared box, and a 1 GB trigger queue). The rows reference the partners, contracts
            # and buckets just created, so a superuser skips the checks for this load only.
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if cursor.fetchone()[0]:
                cursor.execute("SET LOCAL session_replication_role = replica")
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row[c] for c in columns])
            cursor.execute("SET LOCAL session_replication_role = origin")
        # Real transfers are created days before their settlement date, so autovacuum has long
        # processed them (statistics, hint bits) when they are gathered: do the same here.
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {table}")
        return
    fields = {f.column: f.attname for f in Transfer._meta.concrete_fields}
    batch: list[Transfer] = []
    with transaction.atomic():
        for row in rows:
            row = {**row, "user_defined_properties": [], "parameters": {}}
            row.update(snapshot={}, calc_input={})
            batch.append(Transfer(**{fields[c]: v for c, v in row.items()}))
            if len(batch) == 10_000:
                Transfer.objects.bulk_create(batch)
                batch.clear()
        Transfer.objects.bulk_create(batch)


REFERENCE_TABLE = "bench_gather_reference"


def bare_group_by(settlement_date: date) -> float:
    """Seconds of the bare INSERT ... SELECT ... GROUP BY over the day's test transfers: one
    row per aggregation key with the 17 sums, the count and the start-date range — what the
    gather writes, without the gather. The same per-statement settings as the gather's read
    (settlements.services.gather._bucket_totals), so the two differ only in the work done."""
    t = connection.ops.quote_name(Transfer._meta.db_table)
    sums = ", ".join(f"SUM({c})" for c in AMOUNT_COLUMNS)
    columns = ", ".join(f"{c} bigint" for c in AMOUNT_COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {REFERENCE_TABLE} (partner_id bigint, type text, "
            f"currency text, contract_key bigint, {columns}, n bigint, start_from date, "
            "start_until date) ON COMMIT DROP"
        )
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL jit = off")
        started = time.perf_counter()
        cursor.execute(
            f"""
            INSERT INTO {REFERENCE_TABLE}
            SELECT partner_id, type, settlement_currency,
                   CASE WHEN type = 'MANUAL' THEN 0 ELSE COALESCE(contract_id, 0) END,
                   {sums}, COUNT(*), MIN(settlement_start_date), MAX(settlement_start_date)
            FROM {t}
            WHERE settlement_date = %s AND is_for_test
            GROUP BY 1, 2, 3, 4
            """,
            [settlement_date],
        )
        return time.perf_counter() - started


def figure_name(transfers: int, unassigned: bool) -> str:
    """Stable names: gather_1m, gather_10m, gather_100k, ... (the runner groups by it)."""
    for size, suffix in ((1_000_000, "m"), (1_000, "k")):
        if transfers >= size and transfers % size == 0:
            name = f"gather_{transfers // size}{suffix}"
            break
    else:
        name = f"gather_{transfers}"
    return name + ("_unassigned" if unassigned else "")


def cleanup(prefix: str, contracts: list[Contract], queue_floor: int) -> None:
    settlements = PartnerSettlement.all_objects.filter(
        is_for_test=True, partner__public_id__startswith=prefix
    )
    PartnerSettlement.history.filter(id__in=list(settlements.values_list("pk", flat=True))).delete()
    with connection.cursor() as cursor:  # a plain DELETE: no per-row history for bench rows
        cursor.execute(
            f"DELETE FROM {connection.ops.quote_name(Transfer._meta.db_table)} "
            "WHERE is_for_test = %s AND public_id LIKE %s",
            [True, f"{prefix}%"],
        )
    settlements.delete()
    Partner.history.filter(is_for_test=True, public_id__startswith=prefix).delete()
    Partner.objects.filter(is_for_test=True, public_id__startswith=prefix).delete()
    OrmQ.objects.filter(pk__gt=queue_floor).delete()  # verification tasks partner creation queued
    for contract in contracts:
        Contract.history.filter(public_id=contract.public_id).delete()
        contract.delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transfers", type=int, default=1_000_000)
    parser.add_argument("--partners", type=int, default=2_000)
    parser.add_argument(
        "--keep",
        action="store_true",
        help="leave the rows in the database (bench/scale_10m.py --reuse measures on them)",
    )
    parser.add_argument(
        "--unassigned",
        action="store_true",
        help="transfers without open buckets (rows from before them, or created SETTLED one by "
        "one): the UPDATE path",
    )
    args = parser.parse_args()

    prefix = f"bench-{ULID()}-"
    queue_floor = OrmQ.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    contracts = [make_contract(prefix, n) for n in (1, 2)]
    try:
        t0 = time.perf_counter()
        partners = make_partners(prefix, args.partners, contracts)
        t1 = time.perf_counter()
        status = "SETTLED" if args.unassigned else "IN_PROCESS"
        rows = transfer_rows(prefix, args.transfers, partners, contracts, status)
        if not args.unassigned:  # the generator is seeded: a first pass for the keys
            keys = {
                bucket_key(row)
                for row in transfer_rows(prefix, args.transfers, partners, contracts)
            }
            with transaction.atomic():
                rows = with_buckets(rows, buckets.open_buckets(keys))
        insert_transfers(rows)
        t2 = time.perf_counter()
        print(
            f"{connection.vendor}: {args.partners:,} partners in {t1 - t0:.1f} s, "
            f"{args.transfers:,} transfers inserted in {t2 - t1:.1f} s (prefix {prefix})",
            flush=True,
        )
        postgres = connection.vendor == "postgresql"
        references = [bare_group_by(SETTLEMENT_DATE)] if postgres else []

        t = time.perf_counter()
        moved = gather.transfers_advance_statuses(today=SETTLEMENT_DATE)
        print(
            f"status advance on the day: {moved['in_process']:,} transfers rewritten in "
            f"{time.perf_counter() - t:.2f} s",
            flush=True,
        )
        t3 = time.perf_counter()
        gathered = gather.partner_settlements_gather(
            settlement_date=SETTLEMENT_DATE, is_for_test=True, today=SETTLEMENT_DATE
        )
        seconds = time.perf_counter() - t3

        settlements = PartnerSettlement.objects.filter(
            is_for_test=True, partner__public_id__startswith=prefix
        )
        transfers = Transfer.objects.filter(is_for_test=True, public_id__startswith=prefix)
        assert gathered == args.transfers, (gathered, args.transfers)
        assert not transfers.filter(partner_settlement__isnull=True).exists()
        expected = transfers.aggregate(s=Sum("amount_settlement"), f=Sum("amount_platform_fee"))
        got = settlements.aggregate(
            s=Sum("amount_settlement"), f=Sum("amount_platform_fee"), n=Sum("transfer_count")
        )
        assert (got["s"], got["f"], got["n"]) == (expected["s"], expected["f"], args.transfers)
        print(
            f"gathered {gathered:,} transfers into {settlements.count():,} partner settlements "
            f"in {seconds:.2f} s ({gathered / seconds:,.0f} transfers/s); totals verified",
            flush=True,
        )
        t4 = time.perf_counter()
        again = gather.partner_settlements_gather(
            settlement_date=SETTLEMENT_DATE, is_for_test=True, today=SETTLEMENT_DATE
        )
        second = time.perf_counter() - t4
        print(f"second run: {again} transfers in {second:.2f} s (idempotent)")
        if postgres:
            references.append(bare_group_by(SETTLEMENT_DATE))
            print("bare GROUP BY before / after: " + " / ".join(f"{r:.2f} s" for r in references))
            report(
                figure_name(args.transfers, args.unassigned),
                seconds,
                min(references),
                unit="s",
                reference_name="bare INSERT … SELECT … GROUP BY over the same rows",
                target=3.0,
                extra={
                    "transfers": args.transfers,
                    "partners": args.partners,
                    "settlements": settlements.count(),
                    "second_run_s": round(second, 3),
                    "references_s": [round(r, 3) for r in references],
                },
            )
    finally:
        if not args.keep:
            cleanup(prefix, contracts, queue_floor)


if __name__ == "__main__":
    main()
