"""The reads of a full transfer table (issue 13, docs/scale.md): the transfer-summaries API, the
admin transfer list, the exports of one partner's month and the dashboard, on 10^7 transfers,
each beside a bare SQL of the same filter measured in the same run on the same rows.

    .venv/bin/python bench/gather_partner_settlements.py --transfers 10000000 --keep
    .venv/bin/python bench/scale_10m.py --reuse   # on the rows just kept; deletes them
    .venv/bin/python bench/scale_10m.py --transfers 100000  # quick: loads, measures, deletes

PostgreSQL only. Rows: those bench/gather_partner_settlements.py writes (2,000 partners, one
settlement date, gathered into partner settlements; snapshot and calc_input empty JSON — none of
these reads looks into them but the product keywords, which are not measured). `--reuse` takes the
newest run kept with `--keep`; without it the rows are loaded and gathered here first. They are
deleted at the end unless --keep (so one load serves both benches: load once, measure twice).

Each figure is the median of `--repeat` runs of the request through django.test.Client (the API
with an API secret, the admin as a superuser), after one warm-up run (the one whose statements
are captured); its reference is the bare SQL
(psycopg cursor, no ORM) that answers the same question: the first page (`LIMIT 50`) of the same
WHERE and ORDER BY; for the exports the same rows fetched plus the same cells written by csv /
openpyxl write-only; for the dashboard the same GROUP BY. The request's slowest SQL statement is
run once more under EXPLAIN (ANALYZE, BUFFERS) and summarised (plan nodes, time, buffers).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settlement_site.settings")

import django

django.setup()
logging.getLogger("django-q").setLevel(logging.WARNING)

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django_q.models import OrmQ  # noqa: E402
from openpyxl import Workbook, load_workbook  # noqa: E402

from bench import gather_partner_settlements as loader  # noqa: E402
from bench.report import report  # noqa: E402
from core.admin import exports  # noqa: E402
from core.models import ApiSecret, hash_secret  # noqa: E402
from partners.models import Partner  # noqa: E402
from policies.models import Contract  # noqa: E402
from settlements.models import PartnerSettlement, Transfer  # noqa: E402

DAY = loader.SETTLEMENT_DATE
MONTH = (DAY.replace(day=1), DAY.replace(day=31))  # the day's month, both ends included
SECRET = "sk_test_" + "bench5ca1e10m" * 4
T = "settlements_transfer"
NEWLINE = b"\n"


def _kept_prefix() -> str | None:
    """The prefix of the newest gather-bench run left with --keep (its partner 0)."""
    row = (
        Partner.objects.filter(is_for_test=True, public_id__regex=r"^bench-[0-9A-Z]{26}-p0$")
        .order_by("-pk")
        .values_list("public_id", flat=True)
        .first()
    )
    return None if row is None else row[: -len("p0")]


def _load(transfers: int, partners: int) -> str:
    """The gather bench's rows, loaded and gathered (not timed: bench/gather_partner_settlements
    measures that)."""
    from ulid import ULID

    from settlements.services import buckets, gather

    prefix = f"bench-{ULID()}-"
    contracts = [loader.make_contract(prefix, n) for n in (1, 2)]
    people = loader.make_partners(prefix, partners, contracts)
    keys = {
        loader.bucket_key(r)
        for r in loader.transfer_rows(prefix, transfers, people, contracts, "IN_PROCESS")
    }
    from django.db import transaction

    with transaction.atomic():
        opened = buckets.open_buckets(keys)
    rows = loader.transfer_rows(prefix, transfers, people, contracts, "IN_PROCESS")
    loader.insert_transfers(loader.with_buckets(rows, opened))
    gather.partner_settlements_gather(settlement_date=DAY, is_for_test=True, today=DAY)
    return prefix


def _plan_summary(sql: str) -> dict[str, Any]:
    """EXPLAIN (ANALYZE, BUFFERS) of one statement, as one line: the nodes top-down (index or
    relation named), execution time, shared buffers hit/read, the rows the top node returned."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    top = plan[0]
    nodes: list[str] = []

    def walk(node: dict[str, Any], depth: int) -> None:
        name = node["Node Type"]
        if node.get("Strategy") in ("Hashed", "Sorted") and "Aggregate" in name:
            name = f"{node['Strategy']} {name}"
        where = node.get("Index Name") or node.get("Relation Name")
        if where:
            name += f" [{where}]"
        if node.get("Sort Method"):
            name += f" ({node['Sort Method']})"
        if node.get("Workers Launched"):
            name += f" x{node['Workers Launched'] + 1}"
        nodes.append(name)
        for child in node.get("Plans", ()):
            if depth < 6:
                walk(child, depth + 1)

    walk(top["Plan"], 0)
    return {
        "plan": " > ".join(nodes),
        "execution_ms": round(top["Execution Time"], 1),
        "shared_hit": top["Plan"].get("Shared Hit Blocks", 0),
        "shared_read": top["Plan"].get("Shared Read Blocks", 0),
        "temp_written": top["Plan"].get("Temp Written Blocks", 0),
        "rows": top["Plan"].get("Actual Rows"),
    }


def _timed(
    call: Callable[[], Any], repeat: int, warm: bool = True
) -> tuple[float, list[float], Any]:
    """Median seconds of `repeat` calls after one warm-up, all the times, the last result."""
    result = call() if warm else None
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times, result


def _bare(sql: str, params: list[Any]) -> Callable[[], list[tuple]]:
    def run() -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


class Bench:
    def __init__(self, prefix: str, repeat: int, dump_sql: str | None = None) -> None:
        self.prefix = prefix
        self.repeat = repeat
        self.dump_sql = Path(dump_sql) if dump_sql else None
        self.only: str | None = None
        self.partner = Partner.objects.get(is_for_test=True, public_id=f"{prefix}p0")
        self.total = Transfer.objects.filter(is_for_test=True, settlement_date=DAY).count()
        self.api = Client()
        self.admin = Client()
        self.user, _ = User.objects.get_or_create(
            username="bench-scale", defaults={"is_staff": True, "is_superuser": True}
        )
        self.admin.force_login(self.user)
        ApiSecret.objects.get_or_create(
            prefix=SECRET[:8],
            defaults={"name": "bench scale", "secret_hash": hash_secret(SECRET)},
        )

    def measure(
        self,
        name: str,
        request: Callable[[], Any],
        reference: Callable[[], Any],
        *,
        reference_name: str,
        check: Callable[[Any], str],
    ) -> None:
        if self.only and self.only not in name:
            return
        with CaptureQueriesContext(connection) as captured:
            request()
        queries = list(captured.captured_queries)
        slowest = max(queries, key=lambda q: float(q["time"]))
        plan = _plan_summary(slowest["sql"])
        if self.dump_sql:  # to try an index by hand on the same statement (docs/scale.md)
            self.dump_sql.mkdir(parents=True, exist_ok=True)
            (self.dump_sql / f"{name}.sql").write_text(slowest["sql"] + ";\n")
        ours, times, response = _timed(request, self.repeat, warm=False)  # warmed just above
        bare, bare_times, _ = _timed(reference, self.repeat)
        what = check(response)
        extra = {
            "rows_in_table": self.total,
            "statements": len(queries),
            "slowest_statement_s": float(slowest["time"]),
            "times_s": [round(t, 3) for t in times],
            "reference_times_s": [round(t, 3) for t in bare_times],
            "answer": what,
            **plan,
        }
        report(name, ours, bare, unit="s", reference_name=reference_name, extra=extra)
        print(
            f"  {what}; {len(queries)} statements, slowest "
            f"{float(slowest['time']):.3f} s: {plan['plan']} "
            f"({plan['execution_ms']:,} ms, buffers hit {plan['shared_hit']:,} "
            f"read {plan['shared_read']:,}, temp {plan['temp_written']:,})",
            flush=True,
        )

    # --- the API -----------------------------------------------------------------------------

    def summaries(self, filter_: dict[str, Any]) -> Callable[[], Any]:
        body = json.dumps({"filter": {"isForTest": True, **filter_}, "page": {"size": 50}})

        def call():
            response = self.api.get(
                "/platform/transfer-summaries",
                {"requestBody": body},
                HTTP_AUTHORIZATION=f"PortOne {SECRET}",
            )
            assert response.status_code == 200, response.content[:500]
            return response.json()

        return call

    def run(self) -> None:
        p = self.partner.pk
        days = {"from": DAY.isoformat(), "until": DAY.isoformat()}
        month = {"from": MONTH[0].isoformat(), "until": MONTH[1].isoformat()}
        page = f"SELECT * FROM {T} WHERE is_for_test AND {{}} ORDER BY created_at DESC, id DESC"
        page += " LIMIT 50"

        def summary_check(body):
            return f"{len(body['transferSummaries'])} items of {body['page']['totalCount']:,}"

        self.measure(
            "scale_api_summaries_partner_month",
            self.summaries(
                {"keyword": {"partnerId": self.partner.public_id}, "settlementDateRange": month}
            ),
            _bare(
                page.format("partner_id = %s AND settlement_date BETWEEN %s AND %s"),
                [p, *MONTH],
            ),
            reference_name="bare SELECT … WHERE partner, month ORDER BY created_at LIMIT 50",
            check=summary_check,
        )
        self.measure(
            "scale_api_summaries_in_process_day",
            self.summaries({"statuses": ["IN_PROCESS"], "settlementDateRange": days}),
            _bare(
                page.format(
                    "settlement_date = %s AND stored_status = 'IN_PROCESS' AND settlement_date > %s"
                ),
                [DAY, date.today()],
            ),
            reference_name="bare SELECT … WHERE status, day ORDER BY created_at LIMIT 50",
            check=summary_check,
        )
        self.measure(
            "scale_api_summaries_unfiltered",
            self.summaries({}),
            _bare(page.format("TRUE"), []),
            reference_name="bare SELECT … ORDER BY created_at LIMIT 50",
            check=summary_check,
        )
        self.measure(
            "scale_api_partner_settlements_day",
            self._partner_settlements(),
            _bare(
                "SELECT * FROM settlements_partnersettlement WHERE is_for_test AND "
                "settlement_date = %s AND status <> 'OPEN' ORDER BY settlement_date DESC, id DESC "
                "LIMIT 50",
                [DAY],
            ),
            reference_name="bare SELECT … partner settlements of the day LIMIT 50",
            check=lambda body: f"{len(body['items'])} items of {body['page']['totalCount']:,}",
        )

        # --- the admin ---------------------------------------------------------------------------
        query = {
            "is_for_test__exact": "1",
            "partner__id__exact": str(p),
            "settlement_date_from": MONTH[0].isoformat(),
            "settlement_date_to": MONTH[1].isoformat(),
        }
        self.measure(
            "scale_admin_transfers_partner_month",
            self._admin("/admin/settlements/transfer/", query),
            _bare(
                page.format("partner_id = %s AND settlement_date BETWEEN %s AND %s"),
                [p, *MONTH],
            ),
            reference_name="bare SELECT … WHERE partner, month ORDER BY created_at LIMIT 50",
            check=lambda r: f"{r.context['cl'].result_count:,} rows listed",
        )
        self.measure(
            "scale_admin_transfers_in_process_day",
            self._admin(
                "/admin/settlements/transfer/",
                {
                    "is_for_test__exact": "1",
                    "status": "IN_PROCESS",
                    "settlement_date_from": DAY.isoformat(),
                    "settlement_date_to": DAY.isoformat(),
                },
            ),
            _bare(
                page.format(
                    "settlement_date = %s AND stored_status = 'IN_PROCESS' AND settlement_date > %s"
                ),
                [DAY, date.today()],
            ),
            reference_name="bare SELECT … WHERE status, day ORDER BY created_at LIMIT 50",
            check=lambda r: f"{r.context['cl'].result_count:,} rows listed",
        )

        # --- exports of one partner's month ----------------------------------------------------
        rows_sql = (
            f"SELECT t.*, p.public_id, p.name FROM {T} t JOIN partners_partner p "
            "ON p.id = t.partner_id WHERE t.is_for_test AND t.partner_id = %s "
            "AND t.settlement_date BETWEEN %s AND %s "
            "ORDER BY t.created_at DESC, t.id DESC"
        )
        self.measure(
            "scale_admin_export_xlsx_partner_month",
            self._admin("/admin/settlements/transfer/export.xlsx", query, stream=True),
            self._xlsx_reference(rows_sql, [p, *MONTH]),
            reference_name="bare SELECT of the rows + openpyxl write-only of the same cells",
            check=self._xlsx_check,
        )
        self.measure(
            "scale_api_sheet_csv_partner_month",
            self._sheet(
                {"keyword": {"partnerId": self.partner.public_id}, "settlementDateRange": month}
            ),
            self._csv_reference(rows_sql, [p, *MONTH]),
            reference_name="bare SELECT of the rows + csv.writer of the same cells",
            check=lambda body: f"{body.count(NEWLINE) - 1:,} CSV rows",
        )

        # --- the dashboard -----------------------------------------------------------------------
        self.measure(
            "scale_admin_dashboard_day",
            self._admin(
                "/admin/settlements/tools/dashboard/",
                {"mode": "test", "date": DAY.isoformat(), "group": "partner"},
            ),
            _bare(
                f"SELECT partner_id, settlement_currency, COUNT(*), SUM(amount_settlement), "
                f"SUM(amount_platform_fee), SUM(amount_platform_fee_vat), "
                f"SUM(amount_additional_fee), SUM(amount_discount_share) FROM {T} "
                "WHERE is_for_test AND settlement_date = %s GROUP BY 1, 2",
                [DAY],
            ),
            reference_name="bare SELECT … GROUP BY partner over the day",
            check=lambda r: f"HTTP {r.status_code}",
        )

    def _partner_settlements(self) -> Callable[[], Any]:
        body = json.dumps(
            {
                "filter": {"settlementDates": [DAY.isoformat()]},
                "page": {"size": 50},
                "isForTest": True,
            }
        )

        def call():
            response = self.api.get(
                "/platform/partner-settlements",
                {"requestBody": body},
                HTTP_AUTHORIZATION=f"PortOne {SECRET}",
            )
            assert response.status_code == 200, response.content[:500]
            return response.json()

        return call

    def _admin(self, path: str, query: dict[str, str], stream: bool = False) -> Callable[[], Any]:
        def call():
            response = self.admin.get(path, query)
            assert response.status_code == 200, (path, response.status_code)
            if stream:
                return b"".join(response.streaming_content)
            return response

        return call

    def _sheet(self, filter_: dict[str, Any]) -> Callable[[], bytes]:
        body = json.dumps({"filter": {"isForTest": True, **filter_}})

        def call():
            response = self.api.get(
                "/platform/transfer-summaries/sheet-file",
                {"requestBody": body},
                HTTP_AUTHORIZATION=f"PortOne {SECRET}",
            )
            assert response.status_code == 200, response.status_code
            return b"".join(response.streaming_content)

        return call

    def _xlsx_check(self, body: bytes) -> str:
        book = load_workbook(io.BytesIO(body), read_only=True)
        rows = list(book.active.iter_rows(values_only=True))
        self._xlsx_cells = rows
        return f"{len(rows) - 1:,} XLSX rows x {len(rows[0])} columns"

    def _xlsx_reference(self, sql: str, params: list[Any]) -> Callable[[], Any]:
        """The same rows from the database, then the cells of the admin's file (read back from
        the warm-up download) written by openpyxl write-only."""

        def run():
            _bare(sql, params)()
            cells = getattr(self, "_xlsx_cells", None)
            if cells is None:
                body = self._admin(
                    "/admin/settlements/transfer/export.xlsx",
                    {"partner__id__exact": str(self.partner.pk), "is_for_test__exact": "1"},
                    stream=True,
                )()
                self._xlsx_check(body)
                cells = self._xlsx_cells
            workbook = Workbook(write_only=True)
            sheet = workbook.create_sheet("reference")
            for row in cells:
                sheet.append(row)
            workbook.save(io.BytesIO())

        return run

    def _csv_reference(self, sql: str, params: list[Any]) -> Callable[[], Any]:
        def run():
            out = io.StringIO()
            writer = csv.writer(out)
            for row in _bare(sql, params)():
                writer.writerow(row)
            return out.getvalue()

        return run

    def close(self) -> None:
        ApiSecret.objects.filter(prefix=SECRET[:8]).delete()
        self.user.delete()


def cleanup(prefix: str) -> None:
    contracts = list(Contract.objects.filter(public_id__startswith=prefix))
    loader.cleanup(prefix, contracts, queue_floor=0)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {T}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transfers", type=int, default=10_000_000)
    parser.add_argument("--partners", type=int, default=2_000)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure on the rows the newest `gather_partner_settlements.py --keep` left",
    )
    parser.add_argument("--keep", action="store_true", help="leave the rows in the database")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", help="run just the figures whose name contains this")
    parser.add_argument("--dump-sql", help="write each request's slowest statement to this folder")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/scale_10m.py needs PostgreSQL (DATABASE_URL)")
    setup_test_environment()  # the test Client's `context` (admin list counts), "testserver"
    # One connection for the whole run, as a server with persistent connections keeps it (the
    # Client closes it after every request otherwise: a reconnect per request).
    connection.settings_dict["CONN_MAX_AGE"] = None
    exports.BACKGROUND_ROWS = max(exports.BACKGROUND_ROWS, 100_000)  # one partner's month: direct

    prefix = _kept_prefix() if args.reuse else None
    if prefix is None:
        started = time.perf_counter()
        prefix = _load(args.transfers, args.partners)
        print(f"loaded and gathered in {time.perf_counter() - started:.0f} s", flush=True)
    else:
        print(f"reusing {prefix}", flush=True)
    bench = Bench(prefix, args.repeat, args.dump_sql)
    bench.only = args.only
    size = PartnerSettlement.objects.filter(is_for_test=True, settlement_date=DAY).count()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_table_size(%s)), pg_size_pretty(pg_indexes_size(%s))",
            [T, T],
        )
        table, indexes = cursor.fetchone()
    print(
        f"{bench.total:,} transfers of {DAY} ({table} table, {indexes} indexes), "
        f"{size:,} partner settlements; partner {bench.partner.public_id}; "
        f"load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    try:
        bench.run()
    finally:
        bench.close()
        OrmQ.objects.filter(key="settlement").delete()
        if not args.keep:
            cleanup(prefix)


if __name__ == "__main__":
    main()
