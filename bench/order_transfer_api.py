"""Single order transfers through the HTTP API under concurrency: `POST /platform/transfers/order`
from 8 client threads (httpx, keep-alive) against the app in a WSGI server on loopback.

    .venv/bin/python bench/order_transfer_api.py [--seconds 20] [--max-requests 20000]
    scripts/with-postgres.sh sh -c '.venv/bin/python manage.py migrate -v0 && \
        .venv/bin/python bench/order_transfer_api.py'

Server: gunicorn with 2 sync workers when installed (`--server runserver` forces Django's
threaded development server). The database is whatever DATABASE_URL selects (SQLite by default).
Each request is a new external-payment order (10 % fee, 1 in 5 with a discount, 1 in 4 with an
additional fee) for one of 50 partners, in the test namespace (`?test=true`); paid today, so the
transfers are IN_PROCESS (`--settled` pays them 30 days ago: SETTLED and gathered per request).
Bounded by --seconds and --max-requests; the server is stopped and the rows deleted at the end.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settlement_site.settings")

import django

django.setup()
logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per request otherwise
logging.getLogger("django-q").setLevel(logging.WARNING)

import httpx  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_q.models import OrmQ  # noqa: E402
from ulid import ULID  # noqa: E402

from bench.report import report  # noqa: E402
from core.models import ApiSecret  # noqa: E402
from partners.models import Partner  # noqa: E402
from settlements.models import PartnerSettlement, Transfer  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_urls import REFERENCE_TABLE  # noqa: E402
from order_transfers_bulk import create_partners, create_terms  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
THREADS = 8
#: what each measured round posts to (bench_urls: the references, served by the same gunicorn)
PATHS = {
    "trivial": "/bench/trivial",
    "ours": "/platform/transfers/order",
    "insert": "/bench/insert",
}
P99_CEILING_MS = 50  # issue 13: p99 under 50 ms at 8 clients


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(kind: str, port: int) -> subprocess.Popen:
    # bench_site: the project's settings and URLs with the two reference endpoints in front
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench_site",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), str(ROOT)]),
    }
    if kind == "gunicorn":
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "settlement_site.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--worker-class",
            "sync",
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ]
    else:
        command = [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def wait_ready(url: str, secret: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"server exited: {server.stderr.read().decode()[-2000:]}")
        try:
            response = httpx.get(
                f"{url}/platform/setting?test=true",
                headers={"Authorization": f"PortOne {secret}"},
                timeout=2,
            )
            if response.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("server did not become ready")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def body(i: int, prefix: str, partners: list[str], ids: dict[str, str], paid_at: str) -> dict:
    amount = 1_000 + (i * 7_919) % 300_000
    return {
        "partnerId": partners[i % len(partners)],
        "paymentId": f"{prefix}api-pay-{i}",
        "orderDetail": {"orderAmount": amount},
        "discounts": (
            [{"sharePolicyId": ids["share_half"], "amount": amount // 10}] if i % 5 == 0 else []
        ),
        "additionalFees": [{"policyId": ids["fee_rate"]}] if i % 4 == 0 else [],
        "externalPaymentDetail": {
            "currency": "KRW",
            "orderName": f"주문 {i}",
            "paidAt": paid_at,
            "method": {"card": {}},
        },
    }


def drive(
    url: str,
    secret: str,
    make_body,
    *,
    seconds: float,
    max_requests: int,
    path: str = "/platform/transfers/order",
) -> tuple[list[float], list[str], float]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(max_requests))
    deadline = time.monotonic() + seconds

    def worker() -> None:
        with httpx.Client(
            base_url=url, headers={"Authorization": f"PortOne {secret}"}, timeout=30
        ) as client:
            while time.monotonic() < deadline:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                started = time.perf_counter()
                try:
                    response = client.post(path, params={"test": "true"}, json=make_body(i))
                    ok = response.status_code == 200
                    problem = "" if ok else f"{response.status_code} {response.text[:200]}"
                except httpx.HTTPError as exc:
                    problem = f"{type(exc).__name__}: {exc}"
                elapsed = time.perf_counter() - started
                with lock:
                    if problem:
                        errors.append(problem)
                    else:
                        latencies.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors, time.perf_counter() - started


def cleanup(prefix: str, ids: dict[str, str], secret: ApiSecret, queue_floor: int) -> None:
    from order_transfers_bulk import cleanup as bulk_cleanup

    bulk_cleanup(prefix, ids, queue_floor)  # partners, transfers, settlements, payments, terms
    secret.delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--max-requests", type=int, default=20_000)
    parser.add_argument("--server", choices=["auto", "gunicorn", "runserver"], default="auto")
    parser.add_argument("--settled", action="store_true", help="pay 30 days ago (SETTLED)")
    args = parser.parse_args()

    kind = args.server
    if kind == "auto":
        try:
            import gunicorn  # noqa: F401

            kind = "gunicorn"
        except ImportError:
            kind = "runserver"
    connection.ensure_connection()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}", flush=True)

    prefix = f"bench-{ULID()}-"
    queue_floor = OrmQ.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    ids = create_terms(prefix)
    partners = create_partners(prefix, 50, ids["contract"])
    secret_row, secret = ApiSecret.issue(name=f"{prefix}api-bench")
    paid = timezone.now() - timedelta(days=30 if args.settled else 0)
    paid_at = paid.isoformat()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with connection.cursor() as cursor:  # the bare table of the one-INSERT reference
        cursor.execute(f"DROP TABLE IF EXISTS {REFERENCE_TABLE}")
        serial = "bigserial" if connection.vendor == "postgresql" else "integer"
        cursor.execute(
            f"CREATE TABLE {REFERENCE_TABLE} (id {serial} PRIMARY KEY, "
            "payment_id varchar(100) NOT NULL, body text NOT NULL)"
        )
    server = start_server(kind, port)
    measured: dict[str, tuple[list[float], list[str], float]] = {}
    try:
        wait_ready(url, secret, server)
        for path in PATHS.values():  # one warm-up round per endpoint and worker
            drive(
                url,
                secret,
                lambda i: body(10**9 + i, prefix, partners, ids, paid_at),
                seconds=5,
                max_requests=8,
                path=path,
            )
        # the references on either side of ours, so a change of load shows in both
        for name in ("trivial", "ours", "insert"):
            measured[name] = drive(
                url,
                secret,
                lambda i: body(i, prefix, partners, ids, paid_at),
                seconds=args.seconds,
                max_requests=args.max_requests,
                path=PATHS[name],
            )
    finally:
        stop_server(server)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {REFERENCE_TABLE}")
    print(
        f"server: {kind}{' (2 sync workers)' if kind == 'gunicorn' else ''}, "
        f"{THREADS} client threads, {'SETTLED' if args.settled else 'IN_PROCESS'} transfers",
        flush=True,
    )
    figures = {}
    for name, (latencies, errors, elapsed) in measured.items():
        done = len(latencies)
        quantiles = statistics.quantiles(latencies, n=100) if done >= 2 else [0.0] * 99
        figures[name] = {
            "rps": done / elapsed,
            "p50": quantiles[49] * 1000,
            "p99": quantiles[98] * 1000,
        }
        print(
            f"{name:8} {PATHS[name]}: {done:,} ok + {len(errors):,} errors in {elapsed:.1f} s: "
            f"{done / elapsed:,.1f} req/s  p50 {quantiles[49] * 1000:.1f} ms  "
            f"p99 {quantiles[98] * 1000:.1f} ms  max {max(latencies, default=0) * 1000:.0f} ms",
            flush=True,
        )
        for problem in errors[:5]:
            print(f"  error: {problem}")
    if any(errors for _, errors, _ in measured.values()):
        raise SystemExit("requests failed: no figures reported")
    ours, trivial, insert = figures["ours"], figures["trivial"], figures["insert"]
    report(
        "order_transfer_api_rps",
        ours["rps"],
        trivial["rps"],
        unit="req/s",
        reference_name="Django view answering {} on the same gunicorn",
        better="higher",
        target=0.40,
        extra={"insert_rps": round(insert["rps"], 1), "p50_ms": round(ours["p50"], 1)},
    )
    report(
        "order_transfer_api_vs_insert_rps",
        ours["rps"],
        insert["rps"],
        unit="req/s",
        reference_name="one INSERT per request on the same gunicorn",
        better="higher",
    )
    report(
        "order_transfer_api_p99",
        ours["p99"],
        P99_CEILING_MS,
        unit="ms",
        reference_name=f"ceiling asked, {P99_CEILING_MS} ms (trivial: {trivial['p99']:.1f} ms)",
        target=1.0,
        extra={
            "trivial_p99_ms": round(trivial["p99"], 1),
            "insert_p99_ms": round(insert["p99"], 1),
        },
    )
    created = Transfer.objects.filter(is_for_test=True, partner__public_id__startswith=prefix)
    print(f"transfers stored: {created.count():,}", flush=True)
    cleanup(prefix, ids, secret_row, queue_floor)
    print(f"partners left: {Partner.objects.filter(public_id__startswith=prefix).count()}")
    print(
        "settlements left: "
        f"{PartnerSettlement.objects.filter(partner__public_id__startswith=prefix).count()}"
    )


if __name__ == "__main__":
    main()
