"""1,000 tax-invoice PDFs (세금계산서, the NTS layout of templates/invoices/_document.html)
rendered by two worker processes recycled like django-q2's (multiprocessing, `maxtasksperchild`),
beside the physical limit measured in the same run: WeasyPrint rendering a trivial one-page HTML
as many times on the same two workers (the house shape of bench/statements.py).

    .venv/bin/python bench/invoice_pdfs.py [--invoices 1000] [--items 3] [--chunk 25]
                                           [--tasks-per-worker 4]
    scripts/with-postgres.sh sh -c '.venv/bin/python manage.py migrate -v0 && \
        .venv/bin/python bench/invoice_pdfs.py'

Without DATABASE_URL it works in a fresh SQLite database under a temporary VAR_DIR (migrated
here); with it, under a fresh id prefix in the test namespace, deleted afterwards unless --keep.
Each task renders `--chunk` invoices (`invoices.services.pdf.invoice_pdf`: the template and
WeasyPrint — what the viewer's pdf page and the admin's download do). Prints the wall time, PDFs
per second, the peak RSS of each worker process, the CPU per PDF and the ratio to the reference.
Measured 2026-12-02 (SQLite, 2 cores shared with other work, load average 6-7), 1,000 invoices x
3 items: 461 s wall (2.2 PDFs/s) against 55.5 s for the trivial pages (8.3x); worker CPU 235 ms
per invoice PDF against 36 ms (6.6x); peak RSS per worker 152-162 MiB recycled every 100 PDFs.
docs/invoices.md#pdf-and-viewer-urls.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settlement_site.settings")
FRESH_DB = not os.environ.get("DATABASE_URL")
if FRESH_DB:
    os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="bench-invoice-pdfs-")

import django  # noqa: E402

django.setup()
logging.getLogger("django-q").setLevel(logging.WARNING)

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from ulid import ULID  # noqa: E402

from bench.pdf_pool import cpu_seconds, render_trivial, run_pool, task_result  # noqa: E402
from bench.report import report  # noqa: E402
from invoices.models import TaxInvoice  # noqa: E402

DAY = date(2026, 3, 10)
TRIVIAL = (
    "<html><body style='font-family: NanumGothic, sans-serif'><h1>전자세금계산서</h1>"
    "<p>합계금액 1,234,567</p></body></html>"
)


def setup(prefix: str, n: int, items: int) -> list[int]:
    now = timezone.now()
    rows = []
    for i in range(n):
        supply = 100_000 + i * 1_000
        tax = supply // 10
        lines = [
            {
                "purchaseDate": DAY.isoformat(),
                "name": f"3월 판매 수수료 {j + 1}",
                "spec": "건",
                "quantity": {"value": 10 + j, "scale": 1},
                "unitCostAmount": {"value": 1_000 * (j + 1)},
                "supplyCostAmount": supply // items + (supply % items if j == 0 else 0),
                "taxAmount": tax // items + (tax % items if j == 0 else 0),
                "remark": "정산",
            }
            for j in range(items)
        ]
        supplier = {
            "brn": "2148812345",
            "taxRegistrationId": "0001",
            "name": f"벤치 상사 {i}",
            "representativeName": "이대표",
            "address": "서울특별시 마포구 월드컵북로 400",
            "businessType": "서비스",
            "businessClass": "소프트웨어",
            "contact": {"email": f"p{i}@bench.test"},
        }
        recipient = {
            "brn": "1208800767",
            "name": "주식회사 플랫폼",
            "representativeName": "김대표",
            "address": "서울특별시 강남구 테헤란로 1",
            "businessType": "서비스",
            "businessClass": "전자상거래",
            "contact": {"email": "finance@platform.test"},
        }
        rows.append(
            TaxInvoice(
                public_id=f"{prefix}{i}",
                is_for_test=True,
                status="SENDING_COMPLETED",
                status_updated_at=now,
                issuance_type="REVERSE",
                taxation_type="TAXABLE",
                purpose_type="RECEIPT",
                write_date=DAY,
                issuance_due_date=DAY + timedelta(days=31),
                total_supply_amount=supply,
                total_tax_amount=tax,
                total_amount=supply + tax,
                items=lines,
                remarks=["3월 정산분"],
                supplier=supplier,
                recipient=recipient,
                supplier_brn=supplier["brn"],
                supplier_name=supplier["name"],
                supplier_representative_name="이대표",
                recipient_brn=recipient["brn"],
                recipient_name=recipient["name"],
                recipient_representative_name="김대표",
                nts_approval_number=f"2026031041000000{i:08d}",  # 24 digits
            )
        )
    TaxInvoice.objects.bulk_create(rows, batch_size=1_000)
    return list(
        TaxInvoice.objects.filter(public_id__startswith=prefix).values_list("pk", flat=True)
    )


def teardown(prefix: str) -> None:
    TaxInvoice.objects.filter(public_id__startswith=prefix).delete()


# --- Worker side (forked processes) ----------------------------------------------------------


def render_invoices(pks: list[int]) -> tuple[int, int, int, float]:
    """One task: the PDFs of these invoices. -> (pid, PDF bytes, peak RSS in KiB, CPU s)."""
    from invoices.services.pdf import invoice_pdf

    cpu = cpu_seconds()
    size = 0
    for invoice in TaxInvoice.objects.filter(pk__in=pks):
        pdf = invoice_pdf(invoice)
        assert pdf.startswith(b"%PDF")
        size += len(pdf)
    return task_result(size, cpu)


def _size(n: int) -> str:
    """1000 -> "1k": the figure's name says its size, so --quick runs are not mixed with full."""
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=1_000)
    parser.add_argument("--items", type=int, default=3, help="items per invoice")
    parser.add_argument("--chunk", type=int, default=25, help="invoices per task")
    parser.add_argument("--tasks-per-worker", type=int, default=4, help="0: never recycle")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if FRESH_DB:
        call_command("migrate", verbosity=0)
    prefix = f"bi{str(ULID())[-6:].lower()}-"
    started = time.perf_counter()
    pks = setup(prefix, args.invoices, max(1, args.items))
    where = "fresh SQLite" if FRESH_DB else "DATABASE_URL"
    print(
        f"setup: {len(pks):,} invoices x {args.items} items "
        f"in {time.perf_counter() - started:.1f} s ({where})"
    )
    import weasyprint  # noqa: F401  loaded once in the parent: forked workers share it

    parent_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        chunks = [pks[i : i + args.chunk] for i in range(0, len(pks), args.chunk)]
        ours, size, peaks, cpu = run_pool(render_invoices, chunks, args.tasks_per_worker)
        counts = [len(c) for c in chunks]
        reference, _, ref_peaks, ref_cpu = run_pool(
            render_trivial(TRIVIAL), counts, args.tasks_per_worker
        )
    finally:
        if not args.keep and not FRESH_DB:
            teardown(prefix)
    n = len(pks)
    mib = sorted(round(v / 1024) for v in peaks.values())
    print(
        f"invoice PDFs: {n:,} on 2 workers in {ours:.1f} s ({n / ours:.1f} PDFs/s, "
        f"{size / n / 1024:.0f} KiB each); {len(peaks)} worker processes "
        f"({args.tasks_per_worker or 'no'} recycling after "
        f"{args.tasks_per_worker * args.chunk or '-'} PDFs), peak RSS per worker "
        f"{mib[0]}-{mib[-1]} MiB (parent {parent_rss // 1024} MiB)"
    )
    ref_mib = max(ref_peaks.values()) // 1024
    print(
        f"reference, WeasyPrint rendering a trivial one-page HTML {n:,} times on the same "
        f"2 workers: {reference:.1f} s (peak RSS {ref_mib} MiB)"
    )
    print(f"ratio: {ours / reference:.2f}x")
    print(
        f"CPU in the workers: {cpu * 1000 / n:.0f} ms per invoice PDF, {ref_cpu * 1000 / n:.0f} ms "
        f"per trivial page (ratio {cpu / ref_cpu:.2f}x)"
    )
    report(
        f"invoice_pdfs_{_size(len(pks))}",
        ours,
        reference,
        unit="s",
        reference_name="WeasyPrint, a trivial one-page HTML as many times on the same 2 workers",
        extra={"cpu_ms_each": round(cpu * 1000 / len(pks)), "peak_rss_mib": mib[-1]},
    )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average at the end (1, 5, 15 min): {load} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
