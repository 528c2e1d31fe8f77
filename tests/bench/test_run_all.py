"""`make bench`'s runner (bench/run_all.py): which benches run, the medians, the table, and a
whole run over two throwaway bench scripts (one that reports, one that fails)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


run_all = _load("run_all")
report_module = _load("report")


def record(name, figure, reference, *, better="lower", target=None, unit="s"):
    return {
        "name": name,
        "figure": figure,
        "reference": reference,
        "unit": unit,
        "reference_name": "COPY",
        "better": better,
        "ratio": figure / reference,
        "target": target,
        "met": None,
        "extra": {},
    }


def test_every_script_in_bench_is_run_or_is_a_library():
    scripts = {b.script for b in run_all.BENCHES}
    libraries = {
        "common.py",
        "report.py",
        "run_all.py",
        "pdf_pool.py",
        "bench_site.py",
        "bench_urls.py",
    }
    on_disk = {p.name for p in (ROOT / "bench").glob("*.py")}
    assert on_disk - libraries == scripts
    assert all((ROOT / "bench" / script).exists() for script in scripts)


def test_the_large_benches_run_only_when_asked():
    names = [b.name for b in run_all.selected(run_all.BENCHES, None, False)]
    assert "gather_10m" not in names and "scale_10m" not in names
    assert names[0] == "order_transfer_api" and "bulk_invoices" in names
    with_large = [b.name for b in run_all.selected(run_all.BENCHES, None, True)]
    assert with_large[-2:] == ["gather_10m", "scale_10m"]
    only = run_all.selected(run_all.BENCHES, ["gather_10m", "gather"], False)
    assert [b.name for b in only] == ["gather", "gather_10m"]
    with pytest.raises(SystemExit, match="unknown bench: nope"):
        run_all.selected(run_all.BENCHES, ["nope"], False)


def test_quick_and_full_arguments():
    gather = next(b for b in run_all.BENCHES if b.name == "gather_10m")
    assert run_all.command(gather, quick=False)[2:] == ["--transfers", "10000000"]
    assert run_all.command(gather, quick=True)[2:] == ["--transfers", "1000000"]
    assert run_all.command(gather, quick=False)[1].endswith("bench/gather_partner_settlements.py")


def test_medians_of_the_runs_and_the_verdict_on_the_median_ratio():
    records = [
        record("bulk", 12.0, 6.0, target=1.5),  # 2.0
        record("bulk", 9.0, 6.0, target=1.5),  # 1.5
        record("bulk", 30.0, 6.0, target=1.5),  # 5.0 (a noisy run)
        record("api", 500.0, 1000.0, better="higher", target=0.4, unit="req/s"),
    ]
    rows = run_all.summarize(records, {"exports": ["export_100k"]})
    bulk, api, failed = rows
    assert (bulk["figure"], bulk["reference"], bulk["ratio"], bulk["runs"]) == (12.0, 6.0, 2.0, 3)
    assert bulk["met"] is False
    assert api["ratio"] == 0.5 and api["met"] is True
    assert failed == {"name": "export_100k", "failed": True, "bench": "exports"}


def test_a_failed_bench_that_reported_some_runs_keeps_them():
    rows = run_all.summarize([record("bulk", 9.0, 6.0)], {"bulk_bench": ["bulk"]})
    assert [r["name"] for r in rows] == ["bulk"] and rows[0]["failed"] is False
    rows = run_all.summarize([], {"pdfs": []})  # no names known: the bench's own name
    assert rows == [{"name": "pdfs", "failed": True, "bench": "pdfs"}]


def test_the_table():
    rows = run_all.summarize(
        [
            record("bulk", 12.0, 6.0, target=1.5),
            record("bulk", 9.0, 6.0, target=1.5),
            record("api", 450.0, 1000.0, better="higher", target=0.4, unit="req/s"),
        ],
        {"pdfs": ["pdfs_1k"]},
    )
    lines = run_all.table(rows).splitlines()
    assert lines[0] == "| figure | ours | reference (same run) | ratio | target | met | runs |"
    assert lines[2] == "| bulk | 10.5 s | COPY: 6.00 s | 1.75 (1.50–2.00) | ≤ 1.5 | **no** | 2 |"
    assert lines[3] == "| api | 450 req/s | COPY: 1,000 req/s | 0.45 | ≥ 0.4 | yes | 1 |"
    assert lines[4] == "| pdfs_1k | FAILED | | | | | 0 |"


def test_report_prints_and_appends_one_json_line(tmp_path, monkeypatch, capsys):
    path = tmp_path / "r.jsonl"
    monkeypatch.setenv("BENCH_RESULTS", str(path))
    report_module.report("x", 3.0, 2.0, unit="s", reference_name="COPY", target=1.5)
    report_module.report("y", 30.0, 100.0, unit="req/s", reference_name="{}", better="higher")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "RESULT x: 3.000 s vs COPY 2.000 s -> ratio 1.50 (target <= 1.5)  target met"
    assert out[1] == "RESULT y: 30.000 req/s vs {} 100.000 req/s -> ratio 0.30"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(r["name"], r["ratio"], r["met"]) for r in lines] == [
        ("x", 1.5, True),
        ("y", 0.3, None),
    ]
    with pytest.raises(ValueError, match="better"):
        report_module.report("z", 1, 1, unit="s", reference_name="-", better="faster")


def test_a_whole_run_with_a_failing_bench(tmp_path, monkeypatch, capsys):
    bench_dir = tmp_path / "bench"
    bench_dir.mkdir()
    (bench_dir / "ok.py").write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT / 'bench')!r})\n"
        "from report import report\n"
        "size = int(sys.argv[1])\n"
        "report(f'ok_{size}', size * 2.0, float(size), unit='s', reference_name='COPY', "
        "target=1.5)\n"
    )
    (bench_dir / "broken.py").write_text("raise SystemExit('no database')\n")
    monkeypatch.setattr(run_all, "ROOT", tmp_path)
    monkeypatch.setattr(
        run_all,
        "BENCHES",
        (
            run_all.Bench("ok", "ok.py", full=("100",), quick=("10",)),
            run_all.Bench("broken", "broken.py", figures=("broken_1k",)),
        ),
    )
    monkeypatch.setattr(sys, "executable", sys.executable)
    out = tmp_path / "out"
    assert run_all.main(["--quick", "--runs", "2", "--out", str(out)]) == 1
    printed = capsys.readouterr().out
    assert "RESULT ok_10: 20.000 s vs COPY 10.000 s -> ratio 2.00" in printed
    assert "FAILED (exit 1)" in printed and "no database" in printed
    table = (out / "results.md").read_text()
    assert "| ok_10 | 20.0 s | COPY: 10.0 s | 2.00 (2.00–2.00) | ≤ 1.5 | **no** | 2 |" in table
    assert "| broken_1k | FAILED | | | | | 0 |" in table
    rows = json.loads((out / "results.json").read_text())
    assert [r["name"] for r in rows] == ["ok_10", "broken_1k"]
    assert sorted(p.name for p in out.glob("*.log")) == [
        "broken-1.log",
        "broken-2.log",
        "ok-1.log",
        "ok-2.log",
    ]
