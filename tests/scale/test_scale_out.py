"""Scale-out on one machine (issue 13, docs/scale-out.md): two gunicorn instances and two
django-q2 clusters on one PostgreSQL and one Redis, a bulk payout and a bulk tax-invoice request
while API traffic flows, and the cluster running the bulk payout killed with SIGKILL mid-batch.

Run by `make scale-test` (scripts/scale-test.sh: a throwaway PostgreSQL and Redis, SCALE_TEST=1,
DJANGO_SETTINGS_MODULE=tests.scale.settings); skipped otherwise, so `make test` never pays for
it. One module fixture plays the whole scenario on pytest-django's test database, stops every
process and collects what happened; each test then checks one guarantee:

* every payout paid exactly once: one booking per idempotency key at the bank, one succeeded
  withdrawal per payout in our ledger, the ledger invariant, both bulk payouts COMPLETED;
* every invoice requested exactly once: one per payout, two history rows each, one e-mail each;
* every statement e-mailed exactly once, the lost ones included;
* no django-q2 task ran twice and none failed; the killed run has no result, the recovery did
  the rest;
* every API request answered 2xx/4xx, never 5xx; every accepted order transfer stored once;
* each minute of the probe schedule ran at most once across the clusters.

Nothing here asserts a duration: the figures are printed (pytest -s) for docs/scale-out.md.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import logging
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email import message_from_bytes
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.utils import timezone

pytestmark = [
    pytest.mark.scale,
    # the checks read in a transaction of their own; the mark also makes pytest-django create
    # the test database, which the module fixture then fills for real (committed)
    pytest.mark.django_db,
    pytest.mark.skipif(
        os.environ.get("SCALE_TEST") != "1",
        reason="the scale-out test runs with `make scale-test` (SCALE_TEST=1)",
    ),
]

ROOT = Path(settings.BASE_DIR)
DAY = date(2026, 3, 10)  # the settlements' date, in the past: payable now
FIRST, SECOND = 60, 200  # payouts of the two bulk payouts; the invoices are the second's
TRAFFIC_PARTNERS = 10
CLIENT_THREADS = 2
#: the worker command of the clusters (`qcluster` is django-q2's own, for comparison)
WORKER = os.environ.get("SCALE_WORKER_COMMAND", "worker")
BOOT_DEADLINE = 180  # s: two gunicorns and two clusters booting on a loaded 2-core machine
KILL_DEADLINE = 180  # s: for the second bulk payout's run to reach the middle of a batch
DONE_DEADLINE = 420  # s after the kill: recovery waits up to a minute for its schedule
PROBE_MINUTES = 3  # planned minutes of the probe schedule seen before the end


# --- processes ----------------------------------------------------------------------------------


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):  # its own session: the whole cluster
            os.killpg(self.popen.pid, sig)

    def stop(self, grace: float = 25) -> None:
        if self.popen.poll() is None:
            self.signal_group(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(grace)
        self.signal_group(signal.SIGKILL)  # what is left of the group (none, normally)
        if self.popen.poll() is None:
            self.popen.wait(10)


class Processes:
    """Every process the scenario starts, each in its own session; their group ids also go to
    SCALE_WORK/pgids so that scripts/scale-test.sh can kill them if pytest itself dies."""

    def __init__(self, work: Path, env: dict[str, str]) -> None:
        self.work, self.env, self.all = work, env, []

    def spawn(self, name: str, argv: list[str]) -> Proc:
        log = self.work / f"{name}.log"
        with log.open("ab") as out:
            popen = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        with (self.work / "pgids").open("a") as pgids:
            pgids.write(f"{popen.pid}\n")
        proc = Proc(name, popen, log)
        self.all.append(proc)
        return proc

    def gunicorn(self, name: str, port: int) -> Proc:
        return self.spawn(
            name,
            [
                *(sys.executable, "-m", "gunicorn", "settlement_site.wsgi"),
                *("--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "60"),
                *("--graceful-timeout", "10", "--log-level", "warning"),
            ],
        )

    def cluster(self, name: str) -> Proc:
        return self.spawn(name, [sys.executable, "manage.py", WORKER])

    def stop_all(self) -> None:
        for proc in self.all:
            if proc.popen.poll() is None:
                proc.signal_group(signal.SIGTERM)
        for proc in self.all:
            proc.stop()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_until(what: str, condition, deadline: float, procs: list[Proc], every: float = 0.5):
    until = time.monotonic() + deadline
    while True:
        value = condition()
        if value:
            return value
        dead = [p for p in procs if p.popen.poll() is not None]
        if dead or time.monotonic() > until:
            logs = "\n".join(f"--- {p.name} ---\n{p.text()[-3000:]}" for p in dead or procs)
            pytest.fail(f"{what}: {'exited: ' if dead else 'timed out'}\n{logs}")
        time.sleep(every)


# --- data ---------------------------------------------------------------------------------------


def brn(i: int) -> str:
    from partners.domain.brn import check_digit

    first = f"{300 + i // 10_000:03d}{81 + (i // 100) % 10:02d}{i % 10_000:04d}"[:9]
    return first + str(check_digit(first))


def business_terms(i: int, name: str) -> dict:
    """A NORMAL business with a KRW account; 1 in 25 accounts ends in 7: the sandbox bank books
    the transfer but its answer never arrives (UNKNOWN), so the runner asks before recording."""
    return {
        "name": name,
        "memo": None,
        "tags": [],
        "user_defined_properties": {},
        "contact_name": "담당자",
        "contact_email": f"p{i}@partner.scale.test",
        "contact_phone": None,
        "bank": "KOOKMIN",
        "account_currency": "KRW",
        "account_number": f"110{i:06d}{7 if i % 25 == 3 else 5}",
        "account_holder": "홍길동",
        "partner_type": "BUSINESS",
        "company_name": f"{name} 상사",
        "business_registration_number": brn(i),
        "representative_name": f"대표 {i}",
        "taxation_type": "NORMAL",
    }


def make_world() -> dict:
    """Partners of the two bulk payouts (each with one payable settlement of DAY and an
    NTS-connected counterparty), the traffic's partners, our own company, two API secrets
    (maker and checker: the totals need approval) and the schedules."""
    from django_q.models import Schedule

    from invoices.domain.statuses import NtsConnectionStatus
    from invoices.models import Counterparty, OwnCompany
    from partners.services.partners import partners_create
    from settlements.models import PartnerSettlement
    from settlements.services.gather import partner_settlements_gather
    from tests.factories import make_contract, make_transfer

    contract = make_contract("scale-contract", is_for_test=True)
    n = FIRST + SECOND
    items = [
        {
            "id": f"scale-p{i:04d}",
            "contract_id": contract.public_id,
            "terms": business_terms(i, f"파트너 {i}"),
        }
        for i in range(n + TRAFFIC_PARTNERS)
    ]
    partners = partners_create(is_for_test=True, items=items)
    payees, traffic = partners[:n], partners[n:]
    now = timezone.now()
    Counterparty.objects.bulk_create(
        Counterparty(
            public_id=p.public_id,
            is_for_test=True,
            brn=brn(i),
            company_name=f"{p.name} 상사",
            representative_name=f"대표 {i}",
            contact_name="담당자",
            contact_email=f"cp{i}@counterparty.scale.test",
            partner=p,
            nts_connection_status=NtsConnectionStatus.CONNECTED,
            nts_connected_at=now,
        )
        for i, p in enumerate(payees)
    )
    OwnCompany.objects.update_or_create(
        pk=1,
        defaults={
            "brn": "1208800767",
            "company_name": "주식회사 플랫폼",
            "representative_name": "김대표",
            "contact_name": "정산팀",
            "contact_email": "finance@platform.scale.test",
        },
    )
    rng = random.Random(13)
    for p in payees:
        make_transfer(
            p, settlement_date=DAY, amounts={"settlement": rng.randrange(110, 5_000) * 100}
        )
    partner_settlements_gather()
    by_partner = dict(
        PartnerSettlement.objects.filter(partner__in=payees).values_list("partner_id", "public_id")
    )
    secrets = {}
    for who in ("maker", "checker"):
        out = io.StringIO()
        call_command("create_api_secret", f"scale {who}", stdout=out)
        secrets[who] = out.getvalue().strip().splitlines()[-1]
    call_command("setup_schedules", stdout=io.StringIO())
    first_minute = (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
    Schedule.objects.create(
        name="scale-probe",
        func="tests.scale.probe.record_run",
        schedule_type=Schedule.MINUTES,
        minutes=1,
        repeats=-1,
        intended_date_kwarg="planned",
        next_run=first_minute,
    )
    return {
        "first": [by_partner[p.pk] for p in payees[:FIRST]],
        "second": [by_partner[p.pk] for p in payees[FIRST:]],
        "traffic": [p.public_id for p in traffic],
        "secrets": secrets,
    }


# --- API traffic --------------------------------------------------------------------------------


class Traffic:
    """CLIENT_THREADS clients, each alternating between the two gunicorns: order transfers
    (POST, each with its Idempotency-Key, sent again under the same key after a connection
    error), 1 in 8 for an unknown partner (a 404 by design), and list reads."""

    def __init__(self, urls: list[str], secret: str, partners: list[str]) -> None:
        self.urls, self.secret, self.partners = urls, secret, partners
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.counter = itertools.count()
        self.statuses: Counter[str] = Counter()  # "POST order 200", ...
        self.accepted: set[str] = set()  # paymentIds answered 200
        self.refused: set[str] = set()  # paymentIds answered 4xx
        self.retried = 0
        self.unanswered: list[str] = []
        self.threads = [
            threading.Thread(target=self.run, daemon=True) for _ in range(CLIENT_THREADS)
        ]

    def start(self) -> None:
        logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request otherwise
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(90)

    def run(self) -> None:
        headers = {"Authorization": f"PortOne {self.secret}"}
        clients = [httpx.Client(base_url=u, headers=headers, timeout=60) for u in self.urls]
        try:
            while not self.stop.is_set():
                i = next(self.counter)
                client = clients[i % len(clients)]
                kind = i % 8
                if kind == 7:
                    self.read(client, i)
                else:
                    self.order(client, i, known=kind != 3)
                time.sleep(0.02)
        finally:
            for client in clients:
                client.close()

    def send(self, client: httpx.Client, method: str, path: str, **kwargs) -> httpx.Response | None:
        for attempt in range(4):
            try:
                return client.request(method, path, **kwargs)
            except httpx.TransportError as exc:
                with self.lock:
                    self.retried += 1
                if attempt == 3:
                    with self.lock:
                        self.unanswered.append(f"{method} {path}: {exc!r}")
                    return None
                time.sleep(0.5)
        return None

    def order(self, client: httpx.Client, i: int, *, known: bool) -> None:
        payment = f"scale-pay-{i}"
        body = {
            "partnerId": self.partners[i % len(self.partners)] if known else f"scale-nobody-{i}",
            "paymentId": payment,
            "orderDetail": {"orderAmount": 1_000 + (i * 7_919) % 300_000},
            "discounts": [],
            "additionalFees": [],
            "externalPaymentDetail": {
                "currency": "KRW",
                "orderName": f"주문 {i}",
                "paidAt": timezone.now().isoformat(),
                "method": {"card": {}},
            },
        }
        response = self.send(
            client,
            "POST",
            "/platform/transfers/order",
            params={"test": "true"},
            json=body,
            headers={"Idempotency-Key": f"scale-order-{i}"},
        )
        if response is None:
            return
        with self.lock:
            self.statuses[f"POST order {response.status_code}"] += 1
            if response.status_code == 200:
                self.accepted.add(payment)
            elif 400 <= response.status_code < 500:
                self.refused.add(payment)

    def read(self, client: httpx.Client, i: int) -> None:
        path = ("/platform/payouts", "/platform/bulk-payouts", "/platform/partner-settlements")[
            (i // 8) % 3
        ]
        params = {"test": "true"}
        if path == "/platform/partner-settlements":  # its filter is required
            params["requestBody"] = json.dumps({"filter": {"settlementDates": [DAY.isoformat()]}})
        response = self.send(client, "GET", path, params=params)
        if response is not None:
            with self.lock:
                self.statuses[f"GET {path} {response.status_code}"] += 1


# --- the scenario -------------------------------------------------------------------------------


@dataclass
class Outcome:
    figures: dict[str, float] = field(default_factory=dict)
    killed: str = ""
    traffic: Traffic | None = None
    world: dict = field(default_factory=dict)
    mails: Counter[tuple[str, str]] = field(default_factory=Counter)  # (recipient, kind) -> n
    book: dict[str, int] = field(default_factory=dict)  # the sandbox bank: key -> amount
    victim_log: str = ""  # the killed cluster's log


def started_tasks(log: str) -> list[tuple[str, str]]:
    """(task name, function) of every task a cluster's log says it started."""
    return re.findall(r"processing (\S+) '([^']+)'", log)


def api(url: str, secret: str):
    client = httpx.Client(base_url=url, headers={"Authorization": f"PortOne {secret}"}, timeout=120)

    def post(path: str, body: dict, **headers) -> dict:
        response = client.post(path, params={"test": "true"}, json=body, headers=headers)
        assert response.status_code == 200, (path, response.status_code, response.text[:2000])
        return response.json()

    return post


def bulk_payout(maker, checker, public_id: str, settlement_ids: list[str]) -> None:
    """Create (maker), approve (checker: over PAYOUT_APPROVAL_THRESHOLD), start (maker)."""
    body = {
        "id": public_id,
        "name": f"확장 시험 {public_id}",
        "partnerSettlementIds": settlement_ids,
    }
    assert (
        maker("/platform/bulk-payouts", {**body, "isForTest": True})["bulkPayout"]["status"]
        == "PREPARED"
    )
    checker(f"/platform/bulk-payouts/{public_id}/approve", {"isForTest": True})
    started = maker(f"/platform/bulk-payouts/{public_id}/start", {"isForTest": True})
    assert started["bulkPayout"]["status"] == "ONGOING"


def read_book(path: Path) -> dict[str, int]:
    if not path.exists():
        return {}
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return dict(db.execute("SELECT key, amount FROM book"))
    except sqlite3.OperationalError:  # the table is not made yet
        return {}
    finally:
        db.close()


def read_mails(directory: Path) -> Counter[tuple[str, str]]:
    """(recipient, statement|invoice) -> messages, over the file backend's files (one per
    connection, messages separated by a line of 79 dashes)."""
    counts: Counter[tuple[str, str]] = Counter()
    for path in sorted(directory.glob("*.log")) if directory.exists() else []:
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if not chunk.strip():
                continue
            message = message_from_bytes(chunk.lstrip())
            to = str(message.get("To", ""))
            kind = "statement" if "partner.scale.test" in to else "invoice"
            counts[(to, kind)] += 1
    return counts


def progress(keys: set[str], book: Path) -> dict[str, int]:
    from django_q.brokers import get_broker

    from invoices.models import BulkTaxInvoice, Notification
    from payouts.models import AccountTransfer, BulkPayout, Payout

    payouts = Payout.objects.filter(bulk_payout__public_id__in=["scale-bp-1", "scale-bp-2"])
    return {
        "bulks_completed": BulkPayout.objects.filter(
            public_id__in=["scale-bp-1", "scale-bp-2"], status="COMPLETED"
        ).count(),
        "payouts_succeeded": payouts.filter(status="SUCCEEDED").count(),
        "withdrawals_recorded": AccountTransfer.objects.filter(
            bank_idempotency_key__in=keys, status="SUCCEEDED"
        ).count(),
        "booked": len(set(read_book(book)) & keys),
        "statements_sent": payouts.filter(settlement_statement_status="SENT").count(),
        "invoice_bulks_completed": BulkTaxInvoice.objects.filter(
            is_for_test=True, status="COMPLETED"
        ).count(),
        "notifications_waiting": Notification.objects.exclude(state="SENT").count(),
        "queued": get_broker().queue_size(),
    }


def probe_minutes() -> list[str]:
    from django_q.models import Task

    return sorted(
        Task.objects.filter(func="tests.scale.probe.record_run").values_list("result", flat=True)
    )


@pytest.fixture(scope="module")
def outcome(django_db_setup, django_db_blocker, tmp_path_factory):
    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        pytest.fail("the scale-out test needs PostgreSQL and REDIS_URL: run `make scale-test`")
    work = Path(os.environ.get("SCALE_WORK") or tmp_path_factory.mktemp("scale"))
    book, mails = work / "sandbox-bank.sqlite3", work / "mail"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "tests.scale.settings",
        # the same keys as this process: it signs tasks (partner checks) and encrypts accounts
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEY": settings.FIELD_ENCRYPTION_KEY,
        "PAYOUT_SANDBOX_BANK_BOOK": str(book),
        "SCALE_MAIL_DIR": str(mails),
    }
    env.pop("CONN_MAX_AGE", None)  # production's persistent connections
    result = Outcome()
    figures = result.figures
    processes = Processes(work, env)
    with django_db_blocker.unblock():
        try:
            started = time.monotonic()
            world = result.world = make_world()
            figures["setup_s"] = time.monotonic() - started
            ports = [free_port(), free_port()]
            urls = [f"http://127.0.0.1:{p}" for p in ports]
            webs = [processes.gunicorn(f"web-{i + 1}", p) for i, p in enumerate(ports)]
            clusters = [processes.cluster("cluster-a"), processes.cluster("cluster-b")]
            booted = time.monotonic()
            secret = world["secrets"]["maker"]

            def web_ready(url: str) -> bool:
                try:
                    return (
                        httpx.get(
                            f"{url}/platform/setting?test=true",
                            headers={"Authorization": f"PortOne {secret}"},
                            timeout=5,
                        ).status_code
                        == 200
                    )
                except httpx.HTTPError:
                    return False

            for url in urls:
                wait_until(f"gunicorn at {url}", lambda u=url: web_ready(u), BOOT_DEADLINE, webs)
            for proc in clusters:
                wait_until(proc.name, lambda p=proc: " running." in p.text(), BOOT_DEADLINE, [proc])
            figures["boot_s"] = time.monotonic() - booted

            traffic = result.traffic = Traffic(urls, secret, world["traffic"])
            traffic.start()
            maker = api(urls[0], secret)
            checker = api(urls[1], world["secrets"]["checker"])
            flow = time.monotonic()
            bulk_payout(maker, checker, "scale-bp-1", world["first"])
            bulk_payout(maker, checker, "scale-bp-2", world["second"])
            invoices = maker(
                "/b2b/bulk-tax-invoices",
                {"bulkPayoutId": "scale-bp-2", "name": "확장 시험 역발행", "isForTest": True},
                **{"Idempotency-Key": "scale-bulk-invoices"},
            )
            assert invoices["bulkTaxInvoice"]["status"] == "REQUEST_PENDING"  # a background task

            from payouts.models import AccountTransfer, BulkPayout

            second = BulkPayout.objects.get(is_for_test=True, public_id="scale-bp-2")
            keys = set(
                AccountTransfer.objects.filter(
                    bulk_payout__public_id__in=["scale-bp-1", "scale-bp-2"], is_fee=False
                ).values_list("bank_idempotency_key", flat=True)
            )
            second_keys = set(
                AccountTransfer.objects.filter(bulk_payout=second, is_fee=False).values_list(
                    "bank_idempotency_key", flat=True
                )
            )
            running = re.compile(rf"processing bulk-payout-{second.pk}\b")

            def mid_batch():
                """The cluster running the second bulk payout, once some of its payouts are
                recorded and some more are with the bank but not yet recorded."""
                victim = next((p for p in clusters if running.search(p.text())), None)
                if victim is None:
                    return None
                booked = len(set(read_book(book)) & second_keys)
                recorded = AccountTransfer.objects.filter(
                    bulk_payout=second, is_fee=False, status="SUCCEEDED"
                ).count()
                if recorded >= SECOND:
                    pytest.fail("the second bulk payout finished before it could be killed")
                if recorded >= 1 and booked - recorded >= 3:
                    return victim, booked, recorded
                return None

            victim, booked, recorded = wait_until(
                "the second bulk payout's run", mid_batch, KILL_DEADLINE, clusters, every=0.05
            )
            victim.signal_group(signal.SIGKILL)
            killed_at = time.monotonic()
            kill_wall = timezone.now()
            victim.popen.wait(10)
            result.victim_log = victim.text()
            result.killed = (
                f"{victim.name} SIGKILLed {killed_at - flow:.1f} s into the flow, with "
                f"{recorded} payouts of the second bulk payout recorded and {booked} at the bank"
            )
            print(f"\n{result.killed}", flush=True)
            clusters = [p for p in clusters if p is not victim]
            clusters.append(processes.cluster(f"{victim.name}-replacement"))
            wait_until(
                "replacement", lambda: " running." in clusters[-1].text(), BOOT_DEADLINE, clusters
            )

            n = FIRST + SECOND
            last = {}
            last_print = [0.0]

            def done() -> bool:
                state = progress(keys, book)
                minutes = probe_minutes()
                if state != last or time.monotonic() - last_print[0] > 15:
                    print(
                        f"  {time.monotonic() - killed_at:5.0f} s after the kill: {state}, "
                        f"probe runs {len(minutes)}",
                        flush=True,
                    )
                    last.clear(), last.update(state)
                    last_print[0] = time.monotonic()
                if state["bulks_completed"] == 2 and "recovered_s" not in figures:
                    figures["recovered_s"] = time.monotonic() - killed_at
                complete = (
                    state["bulks_completed"] == 2
                    and state["payouts_succeeded"] == n
                    and state["statements_sent"] == n
                    and state["invoice_bulks_completed"] == 1
                    and state["notifications_waiting"] == 0
                    and state["queued"] == 0
                )
                if complete and "settled_s" not in figures:
                    figures["settled_s"] = time.monotonic() - killed_at
                late = [
                    m
                    for m in minutes
                    if datetime.fromisoformat(m) > kill_wall + timedelta(minutes=1)
                ]
                return complete and len(minutes) >= PROBE_MINUTES and bool(late)

            wait_until(
                "everything done after the kill", done, DONE_DEADLINE, clusters + webs, every=2
            )
            figures["flow_s"] = time.monotonic() - flow
            traffic.finish()
        finally:
            if result.traffic is not None:
                result.traffic.stop.set()
            stopping = time.monotonic()
            processes.stop_all()
            figures["stop_s"] = time.monotonic() - stopping
        result.book = read_book(book)
        result.mails = read_mails(mails)
        print("figures: " + ", ".join(f"{k} {v:.1f}" for k, v in figures.items()), flush=True)
        yield result


# --- the checks ---------------------------------------------------------------------------------


def test_every_payout_is_paid_exactly_once(outcome, django_db_blocker):
    from payouts.models import AccountTransfer, BulkPayout, Payout
    from payouts.services.ledger import assert_ledger_invariant

    with django_db_blocker.unblock():
        bulks = BulkPayout.objects.filter(public_id__in=["scale-bp-1", "scale-bp-2"])
        assert sorted(bulks.values_list("public_id", "status")) == [
            ("scale-bp-1", "COMPLETED"),
            ("scale-bp-2", "COMPLETED"),
        ]
        payouts = Payout.objects.filter(bulk_payout__in=bulks)
        assert Counter(payouts.values_list("status", flat=True)) == {"SUCCEEDED": FIRST + SECOND}
        withdrawals = AccountTransfer.objects.filter(bulk_payout__in=bulks, is_fee=False)
        per_payout = Counter(
            withdrawals.filter(status="SUCCEEDED").values_list("payout_id", flat=True)
        )
        assert len(per_payout) == FIRST + SECOND and set(per_payout.values()) == {1}
        ours = dict(withdrawals.values_list("bank_idempotency_key", "amount"))
        # the bank's own records: one booking per key, for the amount we recorded
        assert {k: v for k, v in outcome.book.items() if k in ours} == ours
        assert sum(ours.values()) == sum(payouts.values_list("amount", flat=True))
        assert_ledger_invariant(True)


def test_every_invoice_is_requested_exactly_once(outcome, django_db_blocker):
    from invoices.models import BulkTaxInvoice, Notification, TaxInvoice, TaxInvoiceEvent
    from payouts.models import Payout

    with django_db_blocker.unblock():
        (bulk,) = BulkTaxInvoice.objects.filter(is_for_test=True)
        assert (bulk.status, bulk.total_invoice_count) == ("COMPLETED", SECOND)
        invoices = TaxInvoice.objects.filter(bulk=bulk)
        assert Counter(invoices.values_list("status", flat=True)) == {"REQUESTED": SECOND}
        payouts = Payout.objects.filter(bulk_payout__public_id="scale-bp-2")
        linked = set(payouts.values_list("tax_invoice_id", flat=True))
        assert linked == set(invoices.values_list("public_id", flat=True))
        events = Counter(
            TaxInvoiceEvent.objects.filter(invoice__bulk=bulk).values_list("invoice_id", flat=True)
        )
        assert len(events) == SECOND and set(events.values()) == {2}
        notes = Notification.objects.filter(invoice__bulk=bulk)
        assert Counter(notes.values_list("state", flat=True)) == {"SENT": SECOND}
        assert set(Counter(notes.values_list("invoice_id", flat=True)).values()) == {1}
    invoice_mails = {to: n for (to, kind), n in outcome.mails.items() if kind == "invoice"}
    assert len(invoice_mails) == SECOND and set(invoice_mails.values()) == {1}


def test_every_statement_is_mailed_exactly_once(outcome, django_db_blocker):
    from payouts.models import Payout

    with django_db_blocker.unblock():
        payouts = Payout.objects.filter(bulk_payout__public_id__in=["scale-bp-1", "scale-bp-2"])
        assert Counter(payouts.values_list("settlement_statement_status", flat=True)) == {
            "SENT": FIRST + SECOND
        }
    statements = {to: n for (to, kind), n in outcome.mails.items() if kind == "statement"}
    assert len(statements) == FIRST + SECOND and set(statements.values()) == {1}


def test_no_task_ran_twice_or_failed_and_the_recovery_did_the_killed_work(
    outcome, django_db_blocker
):
    from django_q.models import Task

    from payouts.models import BulkPayout

    with django_db_blocker.unblock():
        tasks = Task.objects.all()
        assert tasks.count() > 0
        assert list(tasks.filter(success=False).values_list("name", "func", "result")) == []
        assert set(tasks.values_list("attempt_count", flat=True)) == {1}
        second = BulkPayout.objects.get(public_id="scale-bp-2")
        first = BulkPayout.objects.get(public_id="scale-bp-1")
        # The killed run left no result. The first bulk payout's run finished once, or not at
        # all: a cluster's pusher takes tasks off the Redis list ahead of its workers, so the
        # killed cluster may have held it too, unstarted, and the recovery schedule paid its
        # payouts (the other tests check that every payout was paid once).
        assert tasks.filter(name=f"bulk-payout-{second.pk}").count() == 0
        assert tasks.filter(name=f"bulk-payout-{first.pk}").count() <= 1
        recovered = [t.result for t in tasks.filter(func="payouts.tasks.recover_payouts")]
        assert sum(r["sent"] for r in recovered) >= 1, recovered
        by_func = dict(tasks.values_list("func").annotate(n=Count("id")).order_by())
        finished = set(tasks.values_list("name", flat=True))
    started = started_tasks(outcome.victim_log)
    lost = [f"{func} ({name})" for name, func in started if name not in finished]
    print(f"\ntask results by function: {by_func}")
    print(f"started by the killed cluster and never finished: {lost}")
    print(f"recover_payouts results: {[r for r in recovered if r['sent'] or r['statements']]}")
    assert f"payouts.tasks.run_bulk_payout (bulk-payout-{second.pk})" in lost


def test_every_api_request_is_answered_and_every_accepted_order_stored_once(
    outcome, django_db_blocker
):
    from settlements.models import Transfer

    traffic = outcome.traffic
    print(
        f"\nAPI: {dict(traffic.statuses)}, sent again after a connection error: {traffic.retried}"
    )
    assert traffic.unanswered == []
    assert traffic.accepted and traffic.refused
    assert [s for s in traffic.statuses if int(s.rsplit(" ", 1)[1]) >= 500] == []
    with django_db_blocker.unblock():
        stored = Counter(
            Transfer.objects.filter(
                is_for_test=True, payment_public_id__startswith="scale-pay-"
            ).values_list("payment_public_id", flat=True)
        )
    assert set(stored) == traffic.accepted
    assert set(stored.values()) == {1}


def test_each_minute_of_a_schedule_runs_at_most_once_across_the_clusters(
    outcome, django_db_blocker
):
    """Every cluster's scheduler reads the due schedules FOR UPDATE and moves next_run before it
    commits, so the other one finds nothing due. A run whose task the killed cluster had taken
    is lost (the next minute's comes), at most one."""
    with django_db_blocker.unblock():
        minutes = probe_minutes()
    planned = [datetime.fromisoformat(m) for m in minutes]
    print(f"\nprobe schedule runs: {[p.strftime('%H:%M') for p in planned]}")
    assert len(planned) >= PROBE_MINUTES
    assert len(set(planned)) == len(planned), minutes
    assert all(p.second == 0 for p in planned)
    span = int((planned[-1] - planned[0]).total_seconds() // 60) + 1
    assert span - len(planned) <= 1, minutes
