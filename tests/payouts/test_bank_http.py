"""HttpBankClient against a real local HTTP server playing the firm-banking API of
docs/payouts.md#bank-adapters: success, refusals, maintenance, 5xx, time-outs, garbled JSON, and
the inquiry. Then a whole payout through it, with a time-out the inquiry resolves."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from payouts.providers.bank import BankTransfer, HttpBankClient, Outcome, get_bank_client


class FakeBank:
    """The bank's side: one transfer per idempotency key; `script` says how to answer the next
    POSTs (a list of modes, consumed in order; default "ok")."""

    def __init__(self) -> None:
        self.book: dict[str, dict] = {}
        self.posts: list[dict] = []
        self.script: list[str] = []
        self.inquiry_script: list[str] = []

    def handler(self):
        bank = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, body, raw: bytes | None = None):
                data = raw if raw is not None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                key = self.headers.get("Idempotency-Key")
                assert self.headers.get("X-API-Key") == "k"
                bank.posts.append({"key": key, **body})
                mode = bank.script.pop(0) if bank.script else "ok"
                if key in bank.book:
                    return self._answer(200, bank.book[key])
                if mode == "ok":
                    bank.book[key] = {"status": "SUCCEEDED", "reference": f"R-{key}"}
                    return self._answer(200, bank.book[key])
                if mode == "fail":
                    bank.book[key] = {"status": "FAILED", "fail_code": "HOLDER_MISMATCH"}
                    return self._answer(200, bank.book[key])
                if mode == "maintenance":
                    return self._answer(503, {"error": {"code": "BANK_MAINTENANCE"}})
                if mode == "500-after-booking":  # did it, then crashed answering
                    bank.book[key] = {"status": "SUCCEEDED"}
                    return self._answer(500, {"error": {"code": "INTERNAL"}})
                if mode == "slow-after-booking":
                    bank.book[key] = {"status": "SUCCEEDED"}
                    time.sleep(1.0)
                    return self._answer(200, bank.book[key])
                if mode == "garbled":
                    return self._answer(200, None, raw=b"<html>oops")
                if mode == "unauthorized":
                    return self._answer(401, {"error": {"code": "UNAUTHORIZED"}})
                raise AssertionError(mode)

            def do_GET(self):
                key = self.path.rsplit("/", 1)[-1]
                mode = bank.inquiry_script.pop(0) if bank.inquiry_script else "ok"
                if mode == "502":
                    return self._answer(502, None, raw=b"bad gateway")
                if key not in bank.book:
                    return self._answer(404, {"error": {"code": "NOT_FOUND"}})
                return self._answer(200, bank.book[key])

        return Handler


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # the client gave up on a slow answer (our time-out): expected


@pytest.fixture
def fake_bank():
    bank = FakeBank()
    server = QuietServer(("127.0.0.1", 0), bank.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    bank.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield bank
    server.shutdown()
    server.server_close()


def client(bank, timeout=0.3) -> HttpBankClient:
    return HttpBankClient(api_url=bank.url, api_key="k", timeout=timeout)


def transfer(key="live-payout-1", **kw) -> BankTransfer:
    base = dict(
        idempotency_key=key,
        bank="KOOKMIN",
        account_number="1101234560",
        holder="홍길동",
        amount=5_000,
    )
    return BankTransfer(**{**base, **kw})


def test_success_carries_the_key_and_our_json(fake_bank):
    answer = client(fake_bank).send(transfer(deposit_memo="3월 정산"))
    assert (answer.outcome, answer.reference) == (Outcome.SUCCEEDED, "R-live-payout-1")
    (post,) = fake_bank.posts
    assert post["key"] == "live-payout-1"
    assert (post["bank_code"], post["amount"], post["deposit_memo"]) == ("004", 5_000, "3월 정산")
    # the same key again: the first result, nothing new at the bank
    assert client(fake_bank).send(transfer()).outcome is Outcome.SUCCEEDED
    assert len(fake_bank.book) == 1


@pytest.mark.parametrize(
    ("mode", "outcome", "reason"),
    [
        ("fail", Outcome.FAILED, "예금주 불일치"),
        ("maintenance", Outcome.RETRY, "은행 점검 시간"),
        ("unauthorized", Outcome.RETRY, "기관 응답 오류"),
        ("500-after-booking", Outcome.UNKNOWN, None),
        ("garbled", Outcome.UNKNOWN, "은행 응답 형식 오류"),
        ("slow-after-booking", Outcome.UNKNOWN, "은행 응답 없음"),
    ],
)
def test_answers_map_to_outcomes(fake_bank, mode, outcome, reason):
    fake_bank.script = [mode]
    answer = client(fake_bank).send(transfer())
    assert answer.outcome is outcome
    if reason:
        assert answer.reason == reason


def test_inquiry(fake_bank):
    c = client(fake_bank)
    assert c.inquire(transfer("nothing")).outcome is Outcome.NOT_FOUND
    fake_bank.script = ["500-after-booking"]
    assert c.send(transfer()).outcome is Outcome.UNKNOWN
    assert c.inquire(transfer()).outcome is Outcome.SUCCEEDED
    fake_bank.inquiry_script = ["502"]
    assert c.inquire(transfer()).outcome is Outcome.UNKNOWN


def test_connection_refused_is_unknown():
    c = HttpBankClient(api_url="http://127.0.0.1:9", api_key="k", timeout=0.3)
    assert c.send(transfer()).outcome is Outcome.UNKNOWN


def test_test_mode_never_reaches_a_real_bank(settings):
    settings.PAYOUT_BANK_PROVIDER = "http"
    settings.PAYOUT_BANK_API_URL = "http://bank.invalid"
    settings.PAYOUT_BANK_API_KEY = "k"
    assert type(get_bank_client(is_for_test=True)).__name__ == "SandboxBankClient"
    assert isinstance(get_bank_client(is_for_test=False), HttpBankClient)


@pytest.mark.parametrize("first", ["500-after-booking", "slow-after-booking"])
def test_a_live_payout_through_the_http_bank_is_sent_once(fake_bank, make_world, settings, first):
    """The bank did the transfer but the answer was lost: the runner asks before sending again."""
    from payouts.services import bulk_payouts as bp
    from payouts.services import ledger
    from payouts.services.runner import bulk_payout_run
    from payouts.services.selection import Selection

    settings.PAYOUT_BANK_PROVIDER = "http"
    settings.PAYOUT_BANK_API_URL = fake_bank.url
    settings.PAYOUT_BANK_API_KEY = "k"
    settings.PAYOUT_BANK_TIMEOUT_SECONDS = 0.3
    world = make_world({"a": {"amount": 10_000}, "b": {"amount": 20_000}}, is_for_test=False)
    ledger.deposit_record(is_for_test=False, amount=50_000, depositor_name="플랫폼")
    actor = bp.Actor("user:1", "alice")
    bulk = bp.bulk_payout_create(
        selection=Selection.of_ids(world.ids("a", "b"), is_for_test=False), name="x", actor=actor
    )
    bp.bulk_payout_start(public_id=bulk.public_id, is_for_test=False, actor=actor)
    fake_bank.script = [first, "fail"]
    bulk_payout_run(bulk.pk)
    statuses = dict(bulk.payouts.values_list("partner_name", "status"))
    assert statuses == {"a": "SUCCEEDED", "b": "FAILED"}
    assert [p["key"] for p in fake_bank.posts].count(
        bulk.payouts.get(partner_name="a").bank_idempotency_key
    ) == 1
    assert bulk.payouts.get(partner_name="b").fail_reason == "예금주 불일치"
    assert ledger.balances(False).balance == 40_000
