"""One figure of a bench beside its reference measured in the same run, for `make bench`.

Every bench calls `report(...)` once per figure it measures. The line is printed, and when
BENCH_RESULTS names a file (bench/run_all.py sets it) appended there as one JSON object, so the
runner can take the median of three runs and print one table.

The ratio is always figure / reference. `better` says which way is good: "lower" for times and
memory (1.4 means 40 % slower than the physical limit), "higher" for throughput (0.45 means 45 %
of the trivial endpoint's requests/s). `target` is the ratio the issue asks for, in that direction.
"""

from __future__ import annotations

import json
import os
from typing import Any


def report(
    name: str,
    figure: float,
    reference: float,
    *,
    unit: str,
    reference_name: str,
    better: str = "lower",
    target: float | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Print and record one figure. `name` is stable across runs (the runner groups by it)."""
    if better not in ("lower", "higher"):
        raise ValueError(f"better must be 'lower' or 'higher', not {better!r}")
    ratio = figure / reference if reference else float("inf")
    met = None
    if target is not None:
        met = ratio <= target if better == "lower" else ratio >= target
    record = {
        "name": name,
        "figure": figure,
        "reference": reference,
        "unit": unit,
        "reference_name": reference_name,
        "better": better,
        "ratio": ratio,
        "target": target,
        "met": met,
        "extra": extra or {},
    }
    verdict = "" if met is None else ("  target met" if met else "  target MISSED")
    goal = "" if target is None else f" (target {'<=' if better == 'lower' else '>='} {target:g})"
    print(
        f"RESULT {name}: {figure:,.3f} {unit} vs {reference_name} {reference:,.3f} {unit}"
        f" -> ratio {ratio:.2f}{goal}{verdict}",
        flush=True,
    )
    path = os.environ.get("BENCH_RESULTS")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return record
