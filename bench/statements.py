"""1,000 settlement statement PDFs (정산 내역서) rendered by two worker processes that are recycled
like django-q2's (multiprocessing, `maxtasksperchild`), beside the physical limit measured in the
same run: WeasyPrint rendering a trivial one-page HTML as many times on the same two workers.

    .venv/bin/python bench/statements.py [--payouts 1000] [--transfers 6] [--chunk 25]
                                         [--tasks-per-worker 4]
    scripts/with-postgres.sh sh -c '.venv/bin/python manage.py migrate -v0 && \
        .venv/bin/python bench/statements.py'

Without DATABASE_URL it works in a fresh SQLite database under a temporary VAR_DIR (migrated
here); with it, under a fresh id prefix in the test namespace, deleted afterwards unless --keep.
Each task renders `--chunk` payouts' statements (`payouts.services.statements.statement_pdf`:
the database reads, the template and WeasyPrint — what `statements_send` does before the mail);
a worker process is replaced after `--tasks-per-worker` tasks, so its memory stays bounded.
Prints the wall time, PDFs per second, the peak RSS of each worker process, and the ratio to the
reference.

Measured 2026-12-02 (SQLite, 2 idle cores), 1,000 payouts x 6 transfers (3 settlements each):
60.4 s wall (16.6 PDFs/s) against 10.1 s for the trivial pages (6.0x); worker CPU 120 ms per
statement against 19 ms; peak RSS per worker 162-172 MiB recycled every 100 PDFs, 304 MiB after
500 without recycling (--tasks-per-worker 0). On a slower machine the day before: 147.6 s
against 22.5 s (6.6x). docs/payouts.md#settlement-statements.
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
    os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="bench-statements-")

import django  # noqa: E402

django.setup()
logging.getLogger("django-q").setLevel(logging.WARNING)

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from ulid import ULID  # noqa: E402

from bench.common import contract_terms, partner_change  # noqa: E402
from bench.pdf_pool import cpu_seconds, render_trivial, run_pool, task_result  # noqa: E402
from bench.report import report  # noqa: E402
from core.versioning import services as versioning  # noqa: E402
from partners.models import Partner  # noqa: E402
from partners.services.partners import partners_create  # noqa: E402
from payouts.domain.amounts import calculate_payout  # noqa: E402
from payouts.models import BulkPayout, Payout, PayoutMethod, PayoutSettlement  # noqa: E402
from policies.models import Contract  # noqa: E402
from policies.services import CONTRACT  # noqa: E402
from settlements.models import AMOUNT_COLUMNS, PartnerSettlement, Transfer  # noqa: E402
from settlements.services.gather import partner_settlements_gather  # noqa: E402

DAY = date(2026, 3, 10)
TRIVIAL = (
    "<html><body style='font-family: NanumGothic, sans-serif'><h1>정산 내역서</h1>"
    "<p>지급금액 1,234,567원</p></body></html>"
)


def setup(prefix: str, n: int, per_partner: int) -> list[int]:
    contract = versioning.entity_create(
        CONTRACT, public_id=f"{prefix}contract", is_for_test=True, terms=contract_terms()
    )
    items = []
    for i in range(n):
        kind = ("BUSINESS", "WHT_PAYER", "NON_WHT_PAYER")[i % 3]
        extra = (
            {
                "company_name": f"벤치 상사 {i}",
                "business_registration_number": "1208147521",
                "representative_name": "대표",
                "taxation_type": "NORMAL",
            }
            if kind == "BUSINESS"
            else {"birthdate": "1990-01-01"}
            if kind == "WHT_PAYER"
            else {}
        )
        items.append(
            partner_change(f"{prefix}p{i}", contract.public_id, partner_type=kind, **extra)
        )
    partners = []
    for start in range(0, n, 5_000):
        partners += partners_create(is_for_test=True, items=items[start : start + 5_000])
    transfers = []
    for p in partners:
        for j in range(per_partner):
            kind = "ORDER_CANCEL" if j == per_partner - 1 else "MANUAL" if j == 0 else "ORDER"
            t = Transfer(
                public_id=f"{prefix}t{p.pk}-{j}",
                is_for_test=True,
                type=kind,
                stored_status="SETTLED",
                partner=p,
                contract=None if kind == "MANUAL" else contract,
                settlement_start_date=None if kind == "MANUAL" else DAY - timedelta(days=3),
                settlement_date=DAY,
                memo=f"벤치 정산건 {j}",
                snapshot={},
            )
            for column in AMOUNT_COLUMNS:
                setattr(t, column, 0)
            t.amount_payment = 11_000 * (j + 1)
            t.amount_platform_fee = 1_000 * (j + 1)
            t.amount_settlement = 10_000 * (j + 1) if kind != "ORDER_CANCEL" else 5_000
            transfers.append(t)
    Transfer.objects.bulk_create(transfers, batch_size=2_000)
    partner_settlements_gather()
    now = timezone.now()
    bulk = BulkPayout.objects.create(
        public_id=f"{prefix}bulk",
        is_for_test=True,
        name="벤치 일괄 지급",
        status="COMPLETED",
        status_updated_at=now,
        method=PayoutMethod.DIRECT,
    )
    by_partner: dict[int, list[PartnerSettlement]] = {}
    for s in PartnerSettlement.objects.filter(partner__in=partners):
        by_partner.setdefault(s.partner_id, []).append(s)
    payouts, links = [], []
    for p in partners:
        settlements = by_partner[p.pk]
        net = sum(
            (-1 if s.settlement_type == "ORDER_CANCEL" else 1) * s.amount_settlement
            for s in settlements
        )
        a = calculate_payout(
            net_settlement=net,
            net_settlement_tax_free=0,
            partner_type=p.partner_type,
            taxation_type=p.taxation_type,
            deduct_wht=True,
        )
        payout = Payout(
            public_id=f"{prefix}payout{p.pk}",
            is_for_test=True,
            bulk_payout=bulk,
            partner=p,
            method=PayoutMethod.DIRECT,
            status="SUCCEEDED",
            status_updated_at=now,
            deduct_wht=True,
            partner_name=p.name,
            partner_type=p.partner_type,
            partner_taxation_type=p.taxation_type,
            account_bank=p.bank,
            account_number=p.account_number,
            account_holder=p.account_holder,
            partner_settlement_count=len(settlements),
            **vars(a),
        )
        payouts.append(payout)
        links += [(payout, s) for s in settlements]
    Payout.objects.bulk_create(payouts, batch_size=1_000)
    PayoutSettlement.objects.bulk_create(
        [PayoutSettlement(payout=payout, partner_settlement=s) for payout, s in links],
        batch_size=2_000,
    )
    return [p.pk for p in payouts]


def teardown(prefix: str) -> None:
    PayoutSettlement.objects.filter(payout__public_id__startswith=prefix).delete()
    Payout.objects.filter(public_id__startswith=prefix).delete()
    BulkPayout.objects.filter(public_id__startswith=prefix).delete()
    Transfer.objects.filter(public_id__startswith=prefix).delete()
    PartnerSettlement.all_objects.filter(partner__public_id__startswith=prefix).delete()
    Partner.history.filter(public_id__startswith=prefix).delete()
    Partner.objects.filter(public_id__startswith=prefix).delete()
    Contract.history.filter(public_id__startswith=prefix).delete()
    Contract.objects.filter(public_id__startswith=prefix).delete()


# --- Worker side (forked processes) ----------------------------------------------------------


def render_statements(pks: list[int]) -> tuple[int, int, int, float]:
    """One task: the statements of these payouts. -> (pid, PDF bytes, peak RSS in KiB, CPU s)."""
    from payouts.services.statements import statement_pdf

    cpu = cpu_seconds()
    size = 0
    for payout in Payout.objects.filter(pk__in=pks).select_related("partner", "bulk_payout"):
        pdf = statement_pdf(payout)
        assert pdf.startswith(b"%PDF")
        size += len(pdf)
    return task_result(size, cpu)


def _size(n: int) -> str:
    """1000 -> "1k": the figure's name says its size, so --quick runs are not mixed with full."""
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--payouts", type=int, default=1_000)
    parser.add_argument("--transfers", type=int, default=6, help="transfers per payout")
    parser.add_argument("--chunk", type=int, default=25, help="payouts per task (SEND_CHUNK)")
    parser.add_argument("--tasks-per-worker", type=int, default=4, help="0: never recycle")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if FRESH_DB:
        call_command("migrate", verbosity=0)
    prefix = f"bs{str(ULID())[-6:].lower()}-"
    started = time.perf_counter()
    pks = setup(prefix, args.payouts, args.transfers)
    where = "fresh SQLite" if FRESH_DB else "DATABASE_URL"
    print(
        f"setup: {len(pks):,} succeeded payouts x {args.transfers} transfers "
        f"in {time.perf_counter() - started:.1f} s ({where})"
    )
    import weasyprint  # noqa: F401  loaded once in the parent: forked workers share it

    parent_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        chunks = [pks[i : i + args.chunk] for i in range(0, len(pks), args.chunk)]
        ours, size, peaks, cpu = run_pool(render_statements, chunks, args.tasks_per_worker)
        counts = [len(c) for c in chunks]
        reference, _, ref_peaks, ref_cpu = run_pool(
            render_trivial(TRIVIAL), counts, args.tasks_per_worker
        )
    finally:
        if not args.keep and not FRESH_DB:
            teardown(prefix)
    mib = sorted(round(v / 1024) for v in peaks.values())
    print(
        f"statements: {len(pks):,} PDFs on 2 workers in {ours:.1f} s "
        f"({len(pks) / ours:.1f} PDFs/s, {size / len(pks) / 1024:.0f} KiB each); "
        f"{len(peaks)} worker processes ({args.tasks_per_worker or 'no'} recycling after "
        f"{args.tasks_per_worker * args.chunk or '-'} PDFs), peak RSS per worker "
        f"{mib[0]}-{mib[-1]} MiB (parent {parent_rss // 1024} MiB)"
    )
    ref_mib = max(ref_peaks.values()) // 1024
    print(
        f"reference, WeasyPrint rendering a trivial one-page HTML {len(pks):,} times on the same "
        f"2 workers: {reference:.1f} s (peak RSS {ref_mib} MiB)"
    )
    print(f"ratio: {ours / reference:.2f}x; target < 120 s: {'met' if ours < 120 else 'MISSED'}")
    n = len(pks)
    print(
        f"CPU in the workers: {cpu * 1000 / n:.0f} ms per statement, {ref_cpu * 1000 / n:.0f} ms "
        f"per trivial page (ratio {cpu / ref_cpu:.2f}x); on two otherwise idle cores "
        f"{cpu / 2:.0f} s for the {n:,} statements"
    )
    report(
        f"statement_pdfs_{_size(len(pks))}",
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
