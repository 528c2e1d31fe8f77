"""`make bench`: every bench in bench/, three runs each, one table of medians.

    .venv/bin/python bench/run_all.py [--quick] [--only NAME ...] [--runs 3] [--with-10m]
    make bench                       # on a throwaway PostgreSQL (scripts/with-postgres.sh)
    make bench BENCH_ARGS="--quick"  # smaller sizes, a few minutes

Each bench is a separate process (a fresh interpreter, nothing warm from the bench before) that
measures its figure and, in the same run on the same cluster, the reference it is compared with
(bench/report.py: raw COPY, a bare GROUP BY, openpyxl write-only, a trivial endpoint on the same
gunicorn...). Every figure goes to BENCH_RESULTS as one JSON line; this script takes the median
of each figure's runs, and the median of its ratios (the ratio is the figure that counts on a
noisy machine: both halves of it were measured under the same load), and prints one table.

Logs: var/bench/<timestamp>/<bench>-<run>.log, with results.json and results.md beside them.
A bench that fails shows as FAILED in the table and the exit status is 1.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Bench:
    name: str
    script: str
    full: tuple[str, ...] = ()
    quick: tuple[str, ...] = ()
    #: only with --with-10m (minutes of loading, several GB of disk)
    large: bool = False
    #: runs of this bench, whatever --runs says (None: --runs)
    runs: int | None = None
    #: figures it reports, for the FAILED rows of a bench that reported nothing
    figures: tuple[str, ...] = field(default=())


BENCHES: tuple[Bench, ...] = (
    Bench(
        "order_transfer_api",
        "order_transfer_api.py",
        quick=("--seconds", "5"),
        figures=("order_transfer_api_rps", "order_transfer_api_p99"),
    ),
    Bench("order_transfers_bulk", "order_transfers_bulk.py", quick=("--rows", "5000")),
    Bench("partner_import", "partner_import.py", quick=("--rows", "5000")),
    Bench("gather", "gather_partner_settlements.py", quick=("--transfers", "100000")),
    Bench("admin_export", "admin_export.py", quick=("--rows", "5000")),
    Bench("bulk_payout", "bulk_payout.py", quick=("--partners", "500")),
    Bench("bulk_invoices", "bulk_invoices.py", quick=("--payouts", "5000")),
    Bench("statements", "statements.py", quick=("--payouts", "100")),
    Bench("invoice_pdfs", "invoice_pdfs.py", quick=("--invoices", "100")),
    Bench(
        "gather_10m",
        "gather_partner_settlements.py",
        full=("--transfers", "10000000"),
        quick=("--transfers", "1000000"),
        large=True,
        runs=1,
    ),
    Bench(
        "scale_10m",
        "scale_10m.py",
        full=("--repeat", "1"),
        quick=("--transfers", "100000", "--repeat", "1"),
        large=True,
        runs=1,
    ),
)


def selected(benches: Iterable[Bench], only: list[str] | None, with_large: bool) -> list[Bench]:
    """The benches to run: --only names them (large ones included when named), else every bench
    but the large ones unless --with-10m."""
    benches = list(benches)
    if only:
        known = {b.name for b in benches}
        unknown = [name for name in only if name not in known]
        if unknown:
            raise SystemExit(f"unknown bench: {', '.join(unknown)} (known: {', '.join(known)})")
        return [b for b in benches if b.name in only]
    return [b for b in benches if with_large or not b.large]


def command(bench: Bench, *, quick: bool) -> list[str]:
    return [
        sys.executable,
        str(ROOT / "bench" / bench.script),
        *(bench.quick if quick else bench.full),
    ]


def read_results(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def summarize(records: list[dict], failures: dict[str, list[str]]) -> list[dict]:
    """One row per figure name, in first-seen order: the medians of its runs.

    `failures`: bench name -> the figures it should have reported, for benches whose run failed
    (a figure with no record at all shows as FAILED)."""
    by_name: dict[str, list[dict]] = {}
    for record in records:
        by_name.setdefault(record["name"], []).append(record)
    rows = []
    for name, runs in by_name.items():
        first = runs[0]
        ratio = statistics.median(r["ratio"] for r in runs)
        target = first.get("target")
        met = None
        if target is not None:
            met = ratio <= target if first["better"] == "lower" else ratio >= target
        rows.append(
            {
                "name": name,
                "figure": statistics.median(r["figure"] for r in runs),
                "reference": statistics.median(r["reference"] for r in runs),
                "unit": first["unit"],
                "reference_name": first["reference_name"],
                "better": first["better"],
                "ratio": ratio,
                "ratios": [r["ratio"] for r in runs],
                "target": target,
                "met": met,
                "runs": len(runs),
                "failed": False,
            }
        )
    seen = set(by_name)
    for bench, names in failures.items():
        for name in names or [bench]:
            if name not in seen:
                rows.append({"name": name, "failed": True, "bench": bench})
    return rows


def _number(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:,.1f}"
    return f"{value:,.2f}"


def table(rows: list[dict]) -> str:
    """The Markdown table: figure, reference, ratio (median), target, met, runs."""
    lines = [
        "| figure | ours | reference (same run) | ratio | target | met | runs |",
        "|---|---:|---|---:|---:|---|---:|",
    ]
    for row in rows:
        if row["failed"]:
            lines.append(f"| {row['name']} | FAILED | | | | | 0 |")
            continue
        unit = row["unit"]
        target = ""
        if row["target"] is not None:
            target = f"{'≤' if row['better'] == 'lower' else '≥'} {row['target']:g}"
        met = "" if row["met"] is None else ("yes" if row["met"] else "**no**")
        spread = ""
        if row["runs"] > 1:
            spread = f" ({min(row['ratios']):.2f}–{max(row['ratios']):.2f})"
        lines.append(
            f"| {row['name']} | {_number(row['figure'])} {unit} | {row['reference_name']}: "
            f"{_number(row['reference'])} {unit} | {row['ratio']:.2f}{spread} | {target} | {met} "
            f"| {row['runs']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="just these benches")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--with-10m", action="store_true", help="also the 10^7-transfer benches (gather, scale)"
    )
    parser.add_argument("--out", type=Path, help="log folder (default var/bench/<timestamp>)")
    parser.add_argument("--list", action="store_true", help="print the benches and exit")
    args = parser.parse_args(argv)
    benches = selected(BENCHES, args.only, args.with_10m)
    if args.list:
        for bench in benches:
            print(f"{bench.name}: {' '.join(command(bench, quick=args.quick)[1:])}")
        return 0
    out = args.out or ROOT / "var" / "bench" / datetime.now().strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    results = out / "results.jsonl"
    failures: dict[str, list[str]] = {}
    started = time.perf_counter()
    for bench in benches:
        for run in range(1, (bench.runs or args.runs) + 1):
            log = out / f"{bench.name}-{run}.log"
            print(f"== {bench.name} run {run}: {log}", flush=True)
            t = time.perf_counter()
            with log.open("w", encoding="utf-8") as stream:
                done = subprocess.run(
                    command(bench, quick=args.quick),
                    cwd=ROOT,
                    env={**os.environ, "BENCH_RESULTS": str(results)},
                    stdout=stream,
                    stderr=subprocess.STDOUT,
                )
            for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
                if line.startswith("RESULT "):
                    print("   " + line, flush=True)
            if done.returncode != 0:
                print(f"   FAILED (exit {done.returncode}); last lines of {log}:", flush=True)
                tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
                print("\n".join("   | " + line for line in tail), flush=True)
                failures[bench.name] = list(bench.figures)
            print(f"   {time.perf_counter() - t:.0f} s", flush=True)
    rows = summarize(read_results(results), failures)
    rendered = table(rows)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    footer = (
        f"\n\nMedians of {args.runs} runs{' (--quick sizes)' if args.quick else ''}; ratio = ours /"
        f" reference (for req/s: ours / reference, higher is better). {len(benches)} benches in "
        f"{time.perf_counter() - started:.0f} s; load average at the end {load} on "
        f"{os.cpu_count()} cores."
    )
    print("\n" + rendered + footer)
    (out / "results.md").write_text(rendered + footer + "\n", encoding="utf-8")
    (out / "results.json").write_text(
        json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(f"\nwritten: {out / 'results.md'}, {out / 'results.json'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
