"""The admin's Excel download of a filtered list (core.admin.exports), beside its physical limit:
openpyxl's write-only workbook writing the same cells from memory, measured in the same run.

    .venv/bin/python bench/admin_export.py [--rows 100000]     # full size
    .venv/bin/python bench/admin_export.py --rows 5000         # quick (make bench --quick)

What it measures is what a finance user downloads: the partner list (25 columns: the upload's
columns plus the statuses) filtered to this run's partners, as a member of the 운영 `operator`
group, who may not see personal data, so account numbers and birth dates come out masked. The
download goes through the view's direct path (the background-job threshold is lifted; the job
writes the same file with the same code, then encrypts it).

Each side runs in a child process of its own, so its peak memory is its own: the figure is the
resident set's high-water mark during the work above what the process held just before it
(Django loaded; for the reference, the cells already in memory). The reference reads the cells
of our file back first (not timed), then writes them with `Workbook(write_only=True)` and
`sheet.append`, no styles. Partners are made in the test namespace under a fresh id prefix and
deleted afterwards unless --keep. PROFILE=1 prints a cProfile of our download (in its child).

Before (2026-12-02, PostgreSQL 15, 2 cores), 20,000 rows x 25 columns as a superuser: 5.5 s
against 1.5 s for the reference, 3.6x: choice labels resolved through lazy translations for
every cell (~20 %), django-import-export's per-field `export_field` (~15 %), account-number
decryption (~5 %); openpyxl itself is the rest. Issue 13 targets 1.2x and 200 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settlement_site.settings")

USERNAME = "bench-export-operator"
GROUP = "operator"
MEMORY_CEILING_MB = 200  # issue 13: under 200 MB peak memory


# --- memory of this process ----------------------------------------------------------------------


def _status_kb(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{key} not in /proc/self/status")


def reset_peak() -> int:
    """Reset the resident high-water mark (Linux: clear_refs 5) and answer the RSS now, in KB."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status_kb("VmRSS")


def peak_above(baseline_kb: int) -> float:
    """MB the high-water mark rose above `baseline_kb` since `reset_peak()`."""
    return max(0, _status_kb("VmHWM") - baseline_kb) / 1024


# --- children ------------------------------------------------------------------------------------


def child_ours(prefix: str, out_path: str) -> dict:
    import django

    django.setup()
    from django.contrib import admin
    from django.contrib.auth.models import User
    from django.test import RequestFactory

    from core.admin import exports
    from partners.models import Partner

    user = User.objects.get(username=USERNAME)
    model_admin = admin.site._registry[Partner]
    request = RequestFactory().get(
        "/admin/partners/partner/export.xlsx", {"is_for_test__exact": "1", "q": prefix}
    )
    request.user = user
    exports.BACKGROUND_ROWS = 0  # the direct path, whatever the count
    profiler = None
    if os.environ.get("PROFILE"):
        import cProfile

        profiler = cProfile.Profile()
    baseline = reset_peak()
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    response = model_admin.export_xlsx_view(request)
    with open(out_path, "wb") as out:
        for chunk in response.streaming_content:
            out.write(chunk)
    seconds = time.perf_counter() - started
    if profiler:
        profiler.disable()
        import pstats

        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    return {"seconds": seconds, "peak_mb": peak_above(baseline), "rss_mb": baseline / 1024}


def child_reference(in_path: str) -> dict:
    from openpyxl import Workbook, load_workbook

    sheet = load_workbook(in_path, read_only=True).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    baseline = reset_peak()
    started = time.perf_counter()
    workbook = Workbook(write_only=True)
    out = workbook.create_sheet("reference")
    for row in rows:
        out.append(row)
    with tempfile.TemporaryFile() as spool:
        workbook.save(spool)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "peak_mb": peak_above(baseline),
        "rss_mb": baseline / 1024,
        "rows": len(rows) - 1,
        "columns": len(rows[0]),
        "masked": sum(1 for row in rows[1:] if str(row[8] or "").startswith("*")),
    }


def run_child(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the run -------------------------------------------------------------------------------------


def setup(rows: int, prefix: str):
    from django.contrib.auth.models import Group, User
    from django.db import connection

    from bench.common import contract_terms, partner_change
    from bench.partner_import import BANKS, brn
    from core.versioning import services as versioning
    from partners.domain.banks import BANK_LABELS
    from partners.services.partners import partners_create
    from policies.services import CONTRACT

    codes = {label: code for code, label in BANK_LABELS.items()}
    contract = versioning.entity_create(
        CONTRACT, public_id=f"{prefix}contract", is_for_test=True, terms=contract_terms()
    )
    started = time.perf_counter()
    for start in range(0, rows, 10_000):
        items = []
        for i in range(start, min(rows, start + 10_000)):
            kind = i % 3
            terms = {
                "tags": ["벤치", f"그룹{i % 10}"],
                "bank": codes.get(BANKS[i % len(BANKS)], BANKS[i % len(BANKS)]),
                "account_number": f"110{i % 1000:03d}{i:06d}",
                "contact_phone": f"010-{i % 10_000:04d}-{(i * 7) % 10_000:04d}",
                "partner_type": ("BUSINESS", "WHT_PAYER", "NON_WHT_PAYER")[kind],
            }
            if kind == 0:
                terms.update(
                    company_name=f"주식회사 파트너{i}",
                    business_registration_number=brn(i),
                    representative_name=f"대표{i % 89}",
                    company_address="서울특별시 중구 세종대로 110",
                    business_type="도소매",
                    business_class="전자상거래",
                )
            else:
                terms["birthdate"] = f"19{70 + i % 30}-{1 + i % 12:02d}-{1 + i % 28:02d}"
            items.append(partner_change(f"{prefix}p{i:06d}", contract.public_id, **terms))
        partners_create(is_for_test=True, items=items)
    # Fresh statistics, as autovacuum would have them by the time someone downloads the list:
    # right after a bulk load the planner thinks the tables are empty and joins the search's
    # tag rows by nested loops (measured: 260 s instead of ~70 s for 100k rows).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE partners_partner, partners_partnertag, policies_contract")
    print(f"setup: {rows:,} partners in {time.perf_counter() - started:.1f} s", flush=True)
    user, _ = User.objects.get_or_create(username=USERNAME, defaults={"is_staff": True})
    user.groups.set([Group.objects.get(name=GROUP)])
    return user


def cleanup(prefix: str, queue_floor: int) -> None:
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django_q.models import OrmQ

    from partners.models import Partner, PartnerTag, PartnerVersion
    from policies.models import Contract

    quote = connection.ops.quote_name
    pattern = prefix.replace("_", r"\_") + "%"
    partner = quote(Partner._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {partner}")
        ids = f"SELECT id FROM {partner} WHERE public_id LIKE %s"
        for model, column in ((PartnerTag, "partner_id"), (PartnerVersion, "entity_id")):
            table = quote(model._meta.db_table)
            cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({ids})", [pattern])
        history = quote(Partner.history.model._meta.db_table)
        cursor.execute(f"DELETE FROM {history} WHERE public_id LIKE %s", [pattern])
        cursor.execute(f"DELETE FROM {partner} WHERE public_id LIKE %s", [pattern])
    Contract.history.filter(public_id__startswith=prefix).delete()
    Contract.objects.filter(public_id__startswith=prefix).delete()
    OrmQ.objects.filter(pk__gt=queue_floor).delete()
    User.objects.filter(username=USERNAME).delete()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        result = child_ours(*rest) if kind == "ours" else child_reference(*rest)
        print(json.dumps(result))
        return

    import django

    django.setup()
    import logging

    logging.getLogger("django-q").setLevel(logging.WARNING)
    from django_q.models import OrmQ
    from ulid import ULID

    from bench.report import report

    prefix = f"bx{str(ULID())[-6:].lower()}-"
    queue_floor = OrmQ.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    try:
        setup(args.rows, prefix)
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "ours.xlsx")
            ours = run_child("ours", prefix, path)
            size = os.path.getsize(path)
            ref = run_child("reference", path)
    finally:
        if not args.keep:
            cleanup(prefix, queue_floor)

    if ref["rows"] != args.rows:
        raise SystemExit(f"the file has {ref['rows']} rows, expected {args.rows}")
    if ref["masked"] != args.rows:
        raise SystemExit(f"only {ref['masked']} of {args.rows} account numbers are masked")
    cells = ref["rows"] * ref["columns"]
    load = os.getloadavg()[0]
    print(
        f"admin export: {ref['rows']:,} rows x {ref['columns']} columns ({cells:,} cells, "
        f"{size / 1e6:.1f} MB) in {ours['seconds']:.2f} s "
        f"({ref['rows'] / ours['seconds']:,.0f} rows/s), peak +{ours['peak_mb']:.0f} MB; "
        f"openpyxl write-only {ref['seconds']:.2f} s, peak +{ref['peak_mb']:.0f} MB; "
        f"load {load:.1f}",
        flush=True,
    )
    common = {"rows": ref["rows"], "columns": ref["columns"], "file_mb": round(size / 1e6, 1)}
    report(
        f"admin_export_xlsx_{_size(ref['rows'])}",
        ours["seconds"],
        ref["seconds"],
        unit="s",
        reference_name="openpyxl write-only of the same cells",
        target=1.2,
        extra={**common, "load": load},
    )
    report(
        f"admin_export_xlsx_{_size(ref['rows'])}_memory",
        ours["peak_mb"],
        MEMORY_CEILING_MB,
        unit="MB",
        reference_name=(
            f"ceiling asked, {MEMORY_CEILING_MB} MB (openpyxl write-only of the cells already in "
            f"memory: +{ref['peak_mb']:.0f} MB)"
        ),
        target=1.0,
        extra={
            **common,
            "openpyxl_peak_mb": round(ref["peak_mb"], 1),
            "process_rss_before_mb": round(ours["rss_mb"]),
        },
    )


def _size(n: int) -> str:
    """100000 -> "100k": the figure's name says its size (quick runs are not mixed with full)."""
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


if __name__ == "__main__":
    main()
