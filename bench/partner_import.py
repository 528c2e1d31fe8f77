"""Partner bulk import (파트너 일괄 등록): parse + validate + import through the admin's own path
(`partners.files.upload`), on whatever database DATABASE_URL selects (SQLite by default).

    .venv/bin/python bench/partner_import.py [--rows 10000 100000] [--profile]
    scripts/with-postgres.sh sh -c '.venv/bin/python manage.py migrate -v0 && \
        .venv/bin/python bench/partner_import.py'

Targets (PostgreSQL): 10,000 rows < 5 s, 100,000 rows < 30 s, all phases together.
Everything runs in the test namespace (is_for_test=True) under a fresh contract and id prefix, and
is deleted afterwards (partners, their versions, tags, history rows, queued verification tasks and
the contract), unless --keep.
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


def cleanup(prefix: str, contract: Contract, queue_floor: int) -> None:
    """Delete this run's rows with plain SQL: an ORM delete would write one "-" history row per
    partner through simple_history's post_delete signal (10^5 single INSERTs).

    PostgreSQL first gets fresh statistics: right after a bulk load the planner still thinks the
    tables are empty and picks nested loops that take minutes for a 10^5-row delete.
    """
    quote = connection.ops.quote_name
    tables = {
        model: quote(model._meta.db_table)
        for model in (PartnerTag, PartnerVersion, Partner.history.model, Partner)
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {', '.join(tables.values())}")
    pks = list(
        Partner.objects.filter(is_for_test=True, public_id__startswith=prefix).values_list(
            "pk", flat=True
        )
    )
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(pks), 5_000):
            chunk = pks[start : start + 5_000]
            marks = ", ".join(["%s"] * len(chunk))
            for model, column in ((PartnerTag, "partner_id"), (PartnerVersion, "entity_id")):
                cursor.execute(f"DELETE FROM {tables[model]} WHERE {column} IN ({marks})", chunk)
            for model in (Partner.history.model, Partner):
                cursor.execute(f"DELETE FROM {tables[model]} WHERE id IN ({marks})", chunk)
    OrmQ.objects.filter(pk__gt=queue_floor).delete()  # verification tasks this run queued
    contract.delete()
    Contract.history.filter(public_id=contract.public_id).delete()


def run(rows: int, contract: Contract, *, profile: bool) -> str:
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
    phases = "  ".join(
        f"{name} {b[0] - a[0]:6.2f} s (cpu {b[1] - a[1]:5.2f})"
        for name, a, b in zip(("parse", "validate", "import"), marks, marks[1:], strict=False)
    )
    total = marks[-1][0] - marks[0][0]
    cpu = marks[-1][1] - marks[0][1]
    print(
        f"{rows:>7,} rows  {phases}  total {total:6.2f} s (cpu {cpu:5.2f})  "
        f"{rows / total:7,.0f} rows/s  load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    return prefix


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
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

    for rows in args.rows:
        queue_floor = OrmQ.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        contract = make_contract()
        prefix = run(rows, contract, profile=args.profile)
        if not args.keep:
            cleanup(prefix, contract, queue_floor)


if __name__ == "__main__":
    main()
