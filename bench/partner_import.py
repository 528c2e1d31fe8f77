"""Partner bulk import (파트너 일괄 등록): parse + validate + import through the admin's own path
(`partners.files.upload`), beside a raw COPY of every row the import wrote, in the same run.

    .venv/bin/python bench/partner_import.py                  # full size: 100,000 rows
    .venv/bin/python bench/partner_import.py --rows 5000      # quick (make bench --quick)
    .venv/bin/python bench/partner_import.py --rows 10000 100000 [--profile]

The reference (PostgreSQL): which tables the import wrote is read from the server's own counters
(pg_stat_user_tables.n_tup_ins before and after: partners, their history rows, first versions,
tag rows and the queued verification tasks), their new rows are copied out, deleted, and written
back with one COPY per table in one transaction (commit included, as the import's), then deleted
again. A table the import writes that the bench does not know stops the run, so the reference
cannot silently leave work out. Issue 13's target: import within 3x of it.

Everything runs in the test namespace (is_for_test=True) under a fresh contract and id prefix, and
is deleted afterwards (partners, their versions, tags, history rows, queued verification tasks and
the contract), unless --keep. SQLite runs print the phases without a reference.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import logging
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settlement_site.settings")

import django

django.setup()
logging.getLogger("django-q").setLevel(logging.WARNING)  # one "Enqueued" line per queued task

from django.db import connection, transaction  # noqa: E402
from django_q.models import OrmQ  # noqa: E402
from ulid import ULID  # noqa: E402

from bench.common import contract_terms  # noqa: E402
from bench.report import report  # noqa: E402
from core.files import sheets  # noqa: E402
from core.versioning import services as versioning  # noqa: E402
from partners.domain.brn import check_digit  # noqa: E402
from partners.files import upload  # noqa: E402
from partners.files.columns import COLUMNS, IMPORT_FIELDS  # noqa: E402
from partners.models import Partner, PartnerTag, PartnerVersion  # noqa: E402
from policies.models import Contract, CycleMethod  # noqa: E402
from policies.services import CONTRACT  # noqa: E402

BANKS = ["국민은행", "신한은행", "KAKAO", "우리은행", "TOSS", "NH농협은행"]


def make_contract() -> Contract:
    return versioning.entity_create(
        CONTRACT,
        public_id=f"bench-contract-{ULID()}",
        is_for_test=True,
        terms=contract_terms(cycle_method=CycleMethod.MONTHLY, days_of_month=[31]),
    )


def brn(i: int) -> str:
    first_nine = f"{101 + i % 800:03d}{81 + i % 7:02d}{i % 10_000:04d}"
    return first_nine + str(check_digit(first_nine))


def build_csv(rows: int, prefix: str, contract_id: str) -> bytes:
    """A template-shaped CP949-free UTF-8 (BOM) CSV: one third each of businesses, withholding
    and non-withholding individuals, Korean names, hyphenated account numbers, two tags."""
    headers = COLUMNS.headers
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for i in range(rows):
        kind = i % 3
        row = {
            "public_id": f"{prefix}{i:06d}",
            "name": f"파트너 {i}",
            "partner_type": ("사업자", "원천징수대상자", "원천징수비대상자")[kind],
            "contact_name": f"담당자{i % 97}",
            "contact_email": f"partner{i}@example.com",
            "contact_phone": f"010-{i % 10_000:04d}-{(i * 7) % 10_000:04d}",
            "bank": BANKS[i % len(BANKS)],
            "account_currency": "KRW",
            "account_number": f"110-{i % 1000:03d}-{i:06d}",
            "account_holder": f"예금주 {i}",
            "default_contract": contract_id,
            "tags": f"벤치,그룹{i % 10}",
            "memo": "",
        }
        if kind == 0:
            row.update(
                company_name=f"주식회사 파트너{i}",
                business_registration_number=brn(i),
                representative_name=f"대표{i % 89}",
                taxation_type="일반과세",
                company_address="서울특별시 중구 세종대로 110",
                business_type="도소매",
                business_class="전자상거래",
            )
        else:
            row["birthdate"] = f"19{70 + i % 30}-{1 + i % 12:02d}-{1 + i % 28:02d}"
        writer.writerow([row.get(name, "") for name in IMPORT_FIELDS])
    return out.getvalue().encode("utf-8-sig")


def _tables() -> dict[type, str]:
    quote = connection.ops.quote_name
    return {
        model: quote(model._meta.db_table)
        for model in (PartnerTag, PartnerVersion, Partner.history.model, Partner, OrmQ)
    }


def _run_pks(prefix: str) -> list[int]:
    return list(
        Partner.objects.filter(is_for_test=True, public_id__startswith=prefix).values_list(
            "pk", flat=True
        )
    )


def delete_rows(prefix: str, queue_floor: int) -> None:
    """Delete this run's rows with plain SQL: an ORM delete would write one "-" history row per
    partner through simple_history's post_delete signal (10^5 single INSERTs).

    PostgreSQL first gets fresh statistics: right after a bulk load the planner still thinks the
    tables are empty and picks nested loops that take minutes for a 10^5-row delete.
    """
    tables = _tables()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {', '.join(tables.values())}")
    pks = _run_pks(prefix)
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(pks), 5_000):
            chunk = pks[start : start + 5_000]
            marks = ", ".join(["%s"] * len(chunk))
            for model, column in ((PartnerTag, "partner_id"), (PartnerVersion, "entity_id")):
                cursor.execute(f"DELETE FROM {tables[model]} WHERE {column} IN ({marks})", chunk)
            for model in (Partner.history.model, Partner):
                cursor.execute(f"DELETE FROM {tables[model]} WHERE id IN ({marks})", chunk)
    OrmQ.objects.filter(pk__gt=queue_floor).delete()  # verification tasks this run queued


def cleanup(prefix: str, contract: Contract, queue_floor: int) -> None:
    delete_rows(prefix, queue_floor)
    contract.delete()
    Contract.history.filter(public_id=contract.public_id).delete()


# --- the reference: a raw COPY of every row the import wrote -------------------------------------


def inserted_counts() -> dict[str, int]:
    """Rows ever inserted per table, as the server counts them. Our own backend's pending
    counters are flushed first (PostgreSQL 15: pg_stat_force_next_flush, then one statement)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT 1")
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT relname, n_tup_ins FROM pg_stat_user_tables")
        return dict(cursor.fetchall())


def written_tables(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {t: n - before.get(t, 0) for t, n in after.items() if n - before.get(t, 0) > 0}


def capture(prefix: str, queue_floor: int, written: dict[str, int]) -> list[tuple[str, bytes]]:
    """The run's rows of every table the import wrote, in COPY's text format, parents first."""
    pks = _run_pks(prefix)
    selections = {
        Partner: ("id = ANY(%s)", [pks]),
        Partner.history.model: ("id = ANY(%s)", [pks]),
        PartnerVersion: ("entity_id = ANY(%s)", [pks]),
        PartnerTag: ("partner_id = ANY(%s)", [pks]),
        OrmQ: ("id > %s", [queue_floor]),
    }
    known = {model._meta.db_table: model for model in selections}
    unknown = sorted(set(written) - set(known))
    if unknown:
        raise SystemExit(f"the import also writes {unknown}: add them to the reference")
    quote = connection.ops.quote_name
    out = []
    with connection.cursor() as cursor:
        for model, (where, params) in selections.items():
            table = model._meta.db_table
            if table not in written:
                continue
            sql = f"COPY (SELECT * FROM {quote(table)} WHERE {where}) TO STDOUT"
            with cursor.cursor.copy(sql, params) as copy:
                data = b"".join(bytes(chunk) for chunk in copy)
            rows = data.count(b"\n")
            if rows != written[table]:
                raise SystemExit(
                    f"{table}: captured {rows} rows, the server counts {written[table]} inserted "
                    "(does another writer share this database?)"
                )
            out.append((quote(table), data))
    return out


def raw_copy(captured: list[tuple[str, bytes]]) -> float:
    """Seconds to COPY the captured rows back, one transaction, committed."""
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for table, data in captured:
            with cursor.cursor.copy(f"COPY {table} FROM STDIN") as copy:
                for start in range(0, len(data), 1 << 20):
                    copy.write(data[start : start + (1 << 20)])
    return time.perf_counter() - started


def run(rows: int, contract: Contract, *, profile: bool) -> tuple[str, dict[str, float]]:
    prefix = f"bench-{ULID()}-"
    data = build_csv(rows, prefix, contract.public_id)
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    # wall time is what a user waits for; CPU time (this process only, not the database server)
    # shows how much of it is ours when other jobs share the two cores.
    marks = [(time.perf_counter(), time.process_time())]
    table = sheets.read_table(data, "bench.csv")
    marks.append((time.perf_counter(), time.process_time()))
    plan = upload.validate_table(table, is_for_test=True)
    marks.append((time.perf_counter(), time.process_time()))
    if plan.errors:
        raise SystemExit(f"unexpected validation errors: {plan.errors[:5]}")
    created = upload.plan_commit(plan)
    marks.append((time.perf_counter(), time.process_time()))
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    assert len(created) == rows
    names = ("parse", "validate", "import")
    phases = {
        name: round(b[0] - a[0], 3) for name, a, b in zip(names, marks, marks[1:], strict=False)
    }
    phases |= {
        f"{name}_cpu": round(b[1] - a[1], 3)
        for name, a, b in zip(names, marks, marks[1:], strict=False)
    }
    shown = "  ".join(f"{n} {phases[n]:6.2f} s (cpu {phases[n + '_cpu']:5.2f})" for n in names)
    total = marks[-1][0] - marks[0][0]
    cpu = marks[-1][1] - marks[0][1]
    print(
        f"{rows:>7,} rows  {shown}  total {total:6.2f} s (cpu {cpu:5.2f})  "
        f"{rows / total:7,.0f} rows/s  load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    phases["total"] = round(total, 3)
    return prefix, phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000])
    parser.add_argument("--profile", action="store_true", help="print a cProfile summary")
    parser.add_argument("--keep", action="store_true", help="leave the rows in the database")
    args = parser.parse_args()

    connection.ensure_connection()
    version = getattr(connection, "pg_version", "")  # e.g. 150018 = 15.18
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']} {version}", flush=True)
    try:
        import python_calamine  # noqa: F401

        print("python-calamine: installed")
    except ImportError:
        print("python-calamine: missing (XLSX falls back to openpyxl)")
    postgres = connection.vendor == "postgresql"

    for rows in args.rows:
        queue_floor = OrmQ.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        contract = make_contract()
        before = inserted_counts() if postgres else {}
        prefix, phases = run(rows, contract, profile=args.profile)
        if not postgres:
            if not args.keep:
                cleanup(prefix, contract, queue_floor)
            continue
        try:
            written = written_tables(before, inserted_counts())
            captured = capture(prefix, queue_floor, written)
            delete_rows(prefix, queue_floor)
            copy_s = raw_copy(captured)
        finally:
            if not args.keep:
                cleanup(prefix, contract, queue_floor)
        print(
            f"{rows:>7,} rows  raw COPY of the {sum(written.values()):,} rows written "
            f"({', '.join(f'{t} {n:,}' for t, n in written.items())}): {copy_s:.2f} s",
            flush=True,
        )
        report(
            f"partner_import_{rows // 1000}k" if rows % 1000 == 0 else f"partner_import_{rows}",
            phases["total"],
            copy_s,
            unit="s",
            reference_name="raw COPY of every row the import writes",
            target=3.0,
            extra={"rows": rows, **phases, "written": written, "load": os.getloadavg()[0]},
        )


if __name__ == "__main__":
    main()
