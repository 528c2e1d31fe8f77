"""Partner-verification providers against a fake NTS and a fake account-holder service (no
database, no internet).

What is faked, and where: respx (``fake`` fixture) replaces httpx's transport in-process, so the
real clients (``NtsCompanyStateClient``, ``HttpAccountHolderClient``) run end to end through their
one chokepoint (``_post``: URL, query, headers, JSON body, time-out, error mapping) and only the
bytes on the wire are made up, by ``answer`` below. It speaks like the NTS status API
(docs/partners.md#business-verification) and like our account-holder contract
(``HttpAccountHolderClient``'s docstring). A slow answer or a refused connection is the httpx
exception the transport would raise, so no test waits. The sandboxes are checked rule by rule.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from django.core.exceptions import ImproperlyConfigured

from partners import providers
from partners.domain.accounts import holder_matches, mask_account_number
from partners.domain.brn import check_digit
from partners.providers.account_holder import (
    BANK_CODES,
    SANDBOX_ACCOUNT_HOLDER_RULES,
    AccountHolder,
    AccountHolderError,
    HttpAccountHolderClient,
    SandboxAccountHolderClient,
    get_account_holder_client,
)
from partners.providers.company_state import (
    SANDBOX_COMPANY_STATE_RULES,
    CompanyState,
    CompanyStateError,
    NtsCompanyStateClient,
    SandboxCompanyStateClient,
    get_company_state_client,
)

FAKE_URL = "https://providers.test"  # never resolved: respx answers in-process
FAKE_NTS_KEY = "abc+def/ghi=="  # data.go.kr "Decoding" keys contain + / =
FAKE_HOLDER_KEY = "holder-secret"
SLOW_SECONDS = 0.6  # the fake's slow answer; the client times out at 0.2 s
FAST_TIMEOUT = 0.2

NOT_REGISTERED = "국세청에 등록되지 않은 사업자등록번호입니다."

# What the fake NTS knows; every other number gets the "not registered" answer.
FAKE_NTS_RECORDS: dict[str, dict[str, str]] = {
    "1208147521": {
        "b_stt": "계속사업자",
        "b_stt_cd": "01",
        "tax_type": "부가가치세 일반과세자",
        "tax_type_cd": "01",
        "end_dt": "",
        "tax_type_change_dt": "",
    },
    "2208162517": {
        "b_stt": "폐업자",
        "b_stt_cd": "03",
        "tax_type": "부가가치세 간이과세자",
        "tax_type_cd": "02",
        "end_dt": "20231130",
        "tax_type_change_dt": "20210701",
    },
    "1348672683": {
        "b_stt": "휴업자",
        "b_stt_cd": "02",
        "tax_type": "부가가치세 간이과세자(세금계산서 발급사업자)",
        "tax_type_cd": "07",
        "end_dt": "20240301",
        "tax_type_change_dt": "",
    },
    "1168200276": {
        "b_stt": "계속사업자",
        "b_stt_cd": "01",
        "tax_type": "고유번호가 부여된 단체",
        "tax_type_cd": "06",
        "end_dt": "",
        "tax_type_change_dt": "",
    },
}


def make_brn(first_nine: str) -> str:
    return first_nine + str(check_digit(first_nine))


@dataclass
class Recorded:
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: Any


@dataclass
class FakeState:
    url: str = FAKE_URL
    mode: str = "ok"
    requests: list[Recorded] = field(default_factory=list)


def answer(state: FakeState, request: httpx.Request) -> httpx.Response:
    """The fake services' answer to one request the real client sent."""
    try:
        body: Any = json.loads(request.content)
    except ValueError:
        body = None
    query = parse_qs(request.url.query.decode())
    state.requests.append(Recorded(request.url.path, query, request.headers, body))
    if state.mode == "refused":
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
    if state.mode == "slow" and request.extensions["timeout"]["read"] < SLOW_SECONDS:
        # The answer would come after SLOW_SECONDS; a shorter read time-out gives up first.
        raise httpx.ReadTimeout("timed out", request=request)
    if request.url.path == "/nts/status":
        return _nts(query, body, state.mode)
    if request.url.path == "/holder":
        return _holder(request.headers, body)
    return _send(404, {"error": "no such path"})


def _send(status: int, payload: Any, *, raw: bytes | None = None) -> httpx.Response:
    if raw is not None:
        return httpx.Response(status, content=raw, headers={"Content-Type": "text/html"})
    data = json.dumps(payload, ensure_ascii=False).encode()
    return httpx.Response(status, content=data, headers={"Content-Type": "application/json"})


# -- NTS ------------------------------------------------------------------------------------------
def _nts(query: dict[str, list[str]], body: Any, mode: str) -> httpx.Response:
    if query.get("serviceKey") != [FAKE_NTS_KEY] or query.get("returnType") != ["JSON"]:
        return _send(401, {"code": -4, "msg": "등록되지 않은 인증키 입니다."})
    if mode == "500":
        return _send(500, None, raw=b"<html><body>Internal Server Error</body></html>")
    if mode == "garbage":
        return _send(200, None, raw=b"<html>maintenance</html>")
    if mode == "bad_json_request":
        return _send(400, {"status_code": "BAD_JSON_REQUEST"})
    if mode == "internal_error":
        return _send(200, {"status_code": "INTERNAL_ERROR"})
    if not isinstance(body, dict) or not isinstance(body.get("b_no"), list):
        return _send(400, {"status_code": "REQUEST_DATA_MALFORMED"})
    numbers: list[str] = body["b_no"]
    if len(numbers) > 100:
        return _send(413, {"status_code": "TOO_LARGE_REQUEST"})
    data = []
    for number in numbers:
        record = FAKE_NTS_RECORDS.get(number)
        if record is None:
            record = {
                "b_stt": "",
                "b_stt_cd": "",
                "tax_type": NOT_REGISTERED,
                "tax_type_cd": "",
                "end_dt": "",
                "tax_type_change_dt": "",
            }
        data.append(
            {
                "b_no": number,
                **record,
                "utcc_yn": "N",
                "invoice_apply_dt": "",
                "rbf_tax_type": "해당없음",
                "rbf_tax_type_cd": "99",
            }
        )
    return _send(
        200,
        {
            "status_code": "OK",
            "request_cnt": len(numbers),
            "match_cnt": sum(n in FAKE_NTS_RECORDS for n in numbers),
            "data": data,
        },
    )


# -- account holder -------------------------------------------------------------------------------
def _holder(headers: Mapping[str, str], body: Any) -> httpx.Response:
    if headers.get("X-API-Key") != FAKE_HOLDER_KEY:
        return _send(401, {"error": {"code": "UNAUTHORIZED", "message": "bad key"}})
    account = body.get("account_number") if isinstance(body, dict) else None
    answers: dict[str, tuple[int, Any]] = {
        "11100000001": (200, {"holder_name": "홍길동"}),
        "11100000002": (200, {"holder_name": "(주)샌드박스"}),
        "11100000003": (422, {"error": {"code": "MISMATCH", "message": "실명 불일치"}}),
        "11100000004": (404, {"error": {"code": "ACCOUNT_CLOSED", "message": "해지 계좌"}}),
        "11100000005": (503, {"error": {"code": "BANK_MAINTENANCE", "message": "점검"}}),
    }
    if account == "11100000006":  # a 503 straight from a load balancer, no JSON
        return _send(503, None, raw=b"<html>Service Unavailable</html>")
    status, payload = answers.get(
        str(account), (404, {"error": {"code": "ACCOUNT_NOT_FOUND", "message": "없는 계좌"}})
    )
    return _send(status, payload)


@pytest.fixture
def fake() -> Iterator[FakeState]:
    """Every httpx request of the test goes to ``answer``; one to another host fails the test."""
    state = FakeState()
    with respx.mock(base_url=FAKE_URL, assert_all_called=False) as router:
        router.route().mock(side_effect=lambda request: answer(state, request))
        yield state


@pytest.fixture
def nts_settings(settings: Any, fake: FakeState) -> Any:
    settings.COMPANY_STATE_PROVIDER = "nts"
    settings.NTS_API_URL = f"{fake.url}/nts/status"
    settings.NTS_SERVICE_KEY = FAKE_NTS_KEY
    settings.NTS_TIMEOUT_SECONDS = 2.0
    return settings


@pytest.fixture
def holder_settings(settings: Any, fake: FakeState) -> Any:
    settings.ACCOUNT_HOLDER_PROVIDER = "http"
    settings.ACCOUNT_HOLDER_API_URL = f"{fake.url}/holder"
    settings.ACCOUNT_HOLDER_API_KEY = FAKE_HOLDER_KEY
    settings.ACCOUNT_HOLDER_TIMEOUT_SECONDS = 2.0
    return settings


# =============================================================================================
# Factories
# =============================================================================================


def test_factories_default_to_the_sandboxes() -> None:
    assert isinstance(get_company_state_client(), SandboxCompanyStateClient)
    assert isinstance(get_account_holder_client(), SandboxAccountHolderClient)


def test_factories_build_the_real_clients(nts_settings: Any, holder_settings: Any) -> None:
    assert isinstance(get_company_state_client(), NtsCompanyStateClient)
    assert isinstance(get_account_holder_client(), HttpAccountHolderClient)


def test_nts_factory_default_url(settings: Any) -> None:
    settings.COMPANY_STATE_PROVIDER = "nts"
    settings.NTS_SERVICE_KEY = "k"
    client = get_company_state_client()
    assert isinstance(client, NtsCompanyStateClient)
    assert client.api_url == "https://api.odcloud.kr/api/nts-businessman/v1/status"
    assert client.timeout == 10.0


@pytest.mark.parametrize(
    ("name", "value", "factory"),
    [
        ("COMPANY_STATE_PROVIDER", "hometax", get_company_state_client),
        ("COMPANY_STATE_PROVIDER", "nts", get_company_state_client),  # no NTS_SERVICE_KEY
        ("ACCOUNT_HOLDER_PROVIDER", "bank", get_account_holder_client),
        ("ACCOUNT_HOLDER_PROVIDER", "http", get_account_holder_client),  # no URL / key
    ],
)
def test_factories_fail_loudly_on_bad_settings(
    settings: Any, name: str, value: str, factory: Any
) -> None:
    setattr(settings, name, value)
    with pytest.raises(ImproperlyConfigured):
        factory()


# =============================================================================================
# Company state — sandbox (every rule of SANDBOX_COMPANY_STATE_RULES)
# =============================================================================================


@pytest.mark.parametrize(
    ("example", "status", "taxation", "closed_on"),
    [
        ("120-99-00012", "NOT_FOUND", None, None),
        ("120-98-00015", "CLOSED", "NORMAL", date(2024, 12, 31)),
        ("120-97-00018", "SUSPENDED", "NORMAL", date(2025, 1, 1)),
        ("120-90-00019", "IN_BUSINESS", "SIMPLE", None),
        ("120-91-00016", "IN_BUSINESS", "SIMPLE_TAX_INVOICE_ISSUER", None),
        ("120-92-00013", "IN_BUSINESS", "TAX_FREE", None),
        ("120-93-00010", "IN_BUSINESS", "ASSIGNED_ID_NUMBER", None),
        ("120-94-00017", "IN_BUSINESS", "SPECIAL", None),
        ("120-81-47521", "IN_BUSINESS", "NORMAL", None),
    ],
)
def test_sandbox_company_state_rules(
    example: str, status: str, taxation: str | None, closed_on: date | None
) -> None:
    assert example in SANDBOX_COMPANY_STATE_RULES  # the README table shows this very example
    brn = example.replace("-", "")
    state = SandboxCompanyStateClient().lookup([example])[brn]
    assert (state.status, state.taxation_type, state.closed_on) == (status, taxation, closed_on)


def test_sandbox_company_state_middle_digits_rule_holds_for_any_serial() -> None:
    brns = [make_brn(f"{office}98{serial:04d}") for office in (101, 220) for serial in (1, 5555)]
    states = SandboxCompanyStateClient().lookup(brns)
    assert {s.status for s in states.values()} == {"CLOSED"}


def test_sandbox_company_state_outage_is_temporary() -> None:
    assert "999-81-00015" in SANDBOX_COMPANY_STATE_RULES
    with pytest.raises(CompanyStateError) as info:
        SandboxCompanyStateClient().lookup(["120-81-47521", "999-81-00015"])
    assert info.value.permanent is False


def test_sandbox_company_state_rejects_an_invalid_check_digit_before_lookup() -> None:
    assert "120-81-47522" in SANDBOX_COMPANY_STATE_RULES
    with pytest.raises(ValueError, match="검증번호"):
        SandboxCompanyStateClient().lookup(["120-81-47522"])


def test_lookup_keys_are_normalised_and_deduplicated() -> None:
    states = SandboxCompanyStateClient().lookup(["120-81-47521", "1208147521", " 120 81 47521"])
    assert list(states) == ["1208147521"]


def test_lookup_refuses_a_bare_string() -> None:
    with pytest.raises(TypeError):
        SandboxCompanyStateClient().lookup("1208147521")


def test_company_state_is_frozen() -> None:
    state = SandboxCompanyStateClient().lookup(["1208147521"])["1208147521"]
    with pytest.raises(AttributeError):
        state.status = "CLOSED"  # type: ignore[misc]


# =============================================================================================
# Company state — NTS client against the fake NTS
# =============================================================================================


def test_nts_maps_status_taxation_and_dates(nts_settings: Any, fake: FakeState) -> None:
    states = get_company_state_client().lookup(
        ["120-81-47521", "220-81-62517", "134-86-72683", "116-82-00276", "123-45-67891"]
    )
    assert states["1208147521"] == CompanyState(
        brn="1208147521",
        status="IN_BUSINESS",
        taxation_type="NORMAL",
        closed_on=None,
        taxation_type_changed_on=None,
        status_text="계속사업자",
        tax_type_text="부가가치세 일반과세자",
    )
    closed = states["2208162517"]
    assert (closed.status, closed.taxation_type) == ("CLOSED", "SIMPLE")
    assert closed.closed_on == date(2023, 11, 30)
    assert closed.taxation_type_changed_on == date(2021, 7, 1)
    suspended = states["1348672683"]
    assert (suspended.status, suspended.taxation_type) == ("SUSPENDED", "SIMPLE_TAX_INVOICE_ISSUER")
    assert suspended.closed_on == date(2024, 3, 1)
    assert states["1168200276"].taxation_type == "ASSIGNED_ID_NUMBER"
    unknown = states["1234567891"]
    assert (unknown.status, unknown.taxation_type) == ("NOT_FOUND", None)
    assert unknown.tax_type_text == NOT_REGISTERED

    (request,) = fake.requests
    assert request.query == {"serviceKey": [FAKE_NTS_KEY], "returnType": ["JSON"]}
    assert request.body == {
        "b_no": ["1208147521", "2208162517", "1348672683", "1168200276", "1234567891"]
    }


def test_nts_sends_150_numbers_as_two_batches(nts_settings: Any, fake: FakeState) -> None:
    brns = [make_brn(f"1208{n:05d}") for n in range(150)]
    brns[0] = "1208147521"
    states = get_company_state_client().lookup(brns)

    assert [len(r.body["b_no"]) for r in fake.requests] == [100, 50]
    assert [b for r in fake.requests for b in r.body["b_no"]] == brns
    assert list(states) == brns
    assert states["1208147521"].status == "IN_BUSINESS"
    assert sum(s.status == "NOT_FOUND" for s in states.values()) == 149


def test_nts_accepts_an_already_url_encoded_service_key(nts_settings: Any, fake: FakeState) -> None:
    nts_settings.NTS_SERVICE_KEY = "abc%2Bdef%2Fghi%3D%3D"  # data.go.kr "Encoding" key
    get_company_state_client().lookup(["1208147521"])
    assert fake.requests[0].query["serviceKey"] == [FAKE_NTS_KEY]


def test_nts_bad_service_key_is_permanent(nts_settings: Any) -> None:
    nts_settings.NTS_SERVICE_KEY = "wrong"
    with pytest.raises(CompanyStateError, match="인증") as info:
        get_company_state_client().lookup(["1208147521"])
    assert info.value.permanent is True
    assert "wrong" not in str(info.value)


@pytest.mark.parametrize(
    ("mode", "permanent", "message"),
    [
        ("500", False, "HTTP 500"),
        ("garbage", False, "JSON"),
        ("bad_json_request", True, "BAD_JSON_REQUEST"),
        ("internal_error", False, "INTERNAL_ERROR"),
    ],
)
def test_nts_errors(
    nts_settings: Any, fake: FakeState, mode: str, permanent: bool, message: str
) -> None:
    fake.mode = mode
    with pytest.raises(CompanyStateError, match=message) as info:
        get_company_state_client().lookup(["1208147521"])
    assert info.value.permanent is permanent


def test_nts_timeout_is_temporary(nts_settings: Any, fake: FakeState) -> None:
    nts_settings.NTS_TIMEOUT_SECONDS = FAST_TIMEOUT
    fake.mode = "slow"
    started = time.monotonic()
    with pytest.raises(CompanyStateError, match="시간 초과") as info:
        get_company_state_client().lookup(["1208147521"])
    assert info.value.permanent is False
    assert time.monotonic() - started < SLOW_SECONDS


def test_nts_connection_refused_is_temporary(nts_settings: Any, fake: FakeState) -> None:
    fake.mode = "refused"
    with pytest.raises(CompanyStateError, match="연결 실패") as info:
        get_company_state_client().lookup(["1208147521"])
    assert info.value.permanent is False


# Contract drift, through the single chokepoint (no server needed).


def nts_answer(monkeypatch: pytest.MonkeyPatch, status: int, payload: Any) -> NtsCompanyStateClient:
    def fake_post(self: NtsCompanyStateClient, body: dict[str, Any]) -> httpx.Response:
        return httpx.Response(status, json=payload)

    monkeypatch.setattr(NtsCompanyStateClient, "_post", fake_post)
    return NtsCompanyStateClient(api_url="http://unused", service_key="k", timeout=1)


def test_nts_unknown_status_code_is_permanent(monkeypatch: pytest.MonkeyPatch) -> None:
    item = {"b_no": "1208147521", "b_stt": "?", "b_stt_cd": "04", "tax_type": "x"}
    client = nts_answer(monkeypatch, 200, {"status_code": "OK", "data": [item]})
    with pytest.raises(CompanyStateError, match="b_stt_cd") as info:
        client.lookup(["1208147521"])
    assert info.value.permanent is True


def test_nts_answer_missing_a_number_is_temporary(monkeypatch: pytest.MonkeyPatch) -> None:
    client = nts_answer(monkeypatch, 200, {"status_code": "OK", "data": []})
    with pytest.raises(CompanyStateError, match="빠져") as info:
        client.lookup(["1208147521"])
    assert info.value.permanent is False


def test_nts_quota_exceeded_is_temporary(monkeypatch: pytest.MonkeyPatch) -> None:
    client = nts_answer(monkeypatch, 429, {"code": -10, "msg": "트래픽 초과"})
    with pytest.raises(CompanyStateError) as info:
        client.lookup(["1208147521"])
    assert info.value.permanent is False


def test_nts_unreadable_date_is_dropped_not_fatal(monkeypatch: pytest.MonkeyPatch) -> None:
    item = {"b_no": "1208147521", "b_stt": "폐업자", "b_stt_cd": "03", "end_dt": "2023-13-45"}
    client = nts_answer(monkeypatch, 200, {"status_code": "OK", "data": [item]})
    state = client.lookup(["1208147521"])["1208147521"]
    assert (state.status, state.closed_on, state.taxation_type) == ("CLOSED", None, None)


# =============================================================================================
# Account holder — sandbox (every rule of SANDBOX_ACCOUNT_HOLDER_RULES)
# =============================================================================================


@pytest.mark.parametrize(
    ("account", "identity", "holder"),
    [
        ("110-123-456780", None, "홍길동"),
        ("110-123-456781", "19900101", "김민준"),
        ("110-123-456782", None, "이서연"),
        ("110-123-456783", None, "박지호"),
        ("110-123-456784", None, "최수아"),
        ("110-123-456785", "120-81-47521", "주식회사 샌드박스"),
        ("110-123-456786", None, "정우진"),
    ],
)
def test_sandbox_holder_names(account: str, identity: str | None, holder: str) -> None:
    assert f'"{holder}"' in SANDBOX_ACCOUNT_HOLDER_RULES
    result = SandboxAccountHolderClient().lookup(
        bank="SHINHAN", account_number=account, birthdate_or_brn=identity
    )
    assert result == AccountHolder(holder_name=holder)


@pytest.mark.parametrize(
    ("bank", "account", "identity", "reason", "permanent"),
    [
        ("SHINHAN", "110123456789", None, "ACCOUNT_NOT_FOUND", True),
        ("SHINHAN", "110123456788", None, "OUTAGE", False),
        ("SHINHAN", "110123456787", None, "TIMEOUT", False),
        ("SHINHAN", "110123456786", "1990-01-01", "MISMATCH", True),
        ("SHINHAN", "110123456786", "1208147521", "MISMATCH", True),
        ("SAVINGS_BANK", "110123456780", None, "NOT_SUPPORTED_BANK", True),
        ("HSBC", "110123456780", None, "NOT_SUPPORTED_BANK", True),
        ("KB_SECURITIES", "110123456780", None, "NOT_SUPPORTED_BANK", True),
    ],
)
def test_sandbox_holder_errors(
    bank: str, account: str, identity: str | None, reason: str, permanent: bool
) -> None:
    with pytest.raises(AccountHolderError) as info:
        SandboxAccountHolderClient().lookup(
            bank=bank, account_number=account, birthdate_or_brn=identity
        )
    assert (info.value.reason, info.value.permanent) == (reason, permanent)


@pytest.mark.parametrize(
    ("account", "identity", "message"),
    [
        ("110-12a-456780", None, "숫자"),
        ("12345", None, "자릿수"),
        ("110123456780", "19901301", "날짜"),
        ("110123456780", "1208147522", "검증번호"),
        ("110123456780", "900101", "생년월일"),
    ],
)
def test_malformed_input_is_rejected_before_lookup(
    account: str, identity: str | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        SandboxAccountHolderClient().lookup(
            bank="SHINHAN", account_number=account, birthdate_or_brn=identity
        )


def test_bank_codes_cover_the_common_korean_banks() -> None:
    assert BANK_CODES["KOOKMIN"] == "004"
    assert BANK_CODES["SHINHAN"] == "088"
    assert BANK_CODES["KAKAO"] == "090"
    assert BANK_CODES["DAEGU"] == "031"
    assert len(set(BANK_CODES.values())) == len(BANK_CODES)
    assert all(len(code) == 3 and code.isdigit() for code in BANK_CODES.values())


def test_bank_codes_use_portone_bank_enum_values() -> None:
    from typing import get_args

    from portone_server_sdk._generated.common.bank import Bank

    (literal, _str) = get_args(Bank)
    assert set(BANK_CODES) <= set(get_args(literal))


# =============================================================================================
# Account holder — HTTP client against the fake service
# =============================================================================================


def test_http_holder_found(holder_settings: Any, fake: FakeState) -> None:
    result = get_account_holder_client().lookup(
        bank="KOOKMIN", account_number="111-000-00001", birthdate_or_brn="1990-01-01"
    )
    assert result == AccountHolder(holder_name="홍길동")
    (request,) = fake.requests
    assert request.headers["X-API-Key"] == FAKE_HOLDER_KEY
    assert request.body == {
        "bank_code": "004",
        "account_number": "11100000001",
        "birthdate": "19900101",
    }


def test_http_holder_sends_a_brn_as_business_registration_number(
    holder_settings: Any, fake: FakeState
) -> None:
    result = get_account_holder_client().lookup(
        bank="KAKAO", account_number="11100000002", birthdate_or_brn="120-81-47521"
    )
    assert holder_matches("주식회사 샌드박스", result.holder_name)
    assert fake.requests[0].body == {
        "bank_code": "090",
        "account_number": "11100000002",
        "business_registration_number": "1208147521",
    }


@pytest.mark.parametrize(
    ("account", "reason", "permanent"),
    [
        ("11100000003", "MISMATCH", True),
        ("11100000004", "ACCOUNT_NOT_FOUND", True),  # closed account
        ("11100000009", "ACCOUNT_NOT_FOUND", True),  # unknown account
        ("11100000005", "OUTAGE", False),  # 503 with a JSON error
        ("11100000006", "OUTAGE", False),  # 503 without JSON
    ],
)
def test_http_holder_errors(
    holder_settings: Any, account: str, reason: str, permanent: bool
) -> None:
    with pytest.raises(AccountHolderError) as info:
        get_account_holder_client().lookup(bank="WOORI", account_number=account)
    assert (info.value.reason, info.value.permanent) == (reason, permanent)


def test_http_holder_bad_api_key_is_permanent(holder_settings: Any) -> None:
    holder_settings.ACCOUNT_HOLDER_API_KEY = "wrong"
    with pytest.raises(AccountHolderError, match="401") as info:
        get_account_holder_client().lookup(bank="WOORI", account_number="11100000001")
    assert (info.value.reason, info.value.permanent) == ("OUTAGE", True)


def test_http_holder_timeout(holder_settings: Any, fake: FakeState) -> None:
    holder_settings.ACCOUNT_HOLDER_TIMEOUT_SECONDS = FAST_TIMEOUT
    fake.mode = "slow"
    started = time.monotonic()
    with pytest.raises(AccountHolderError) as info:
        get_account_holder_client().lookup(bank="WOORI", account_number="11100000001")
    assert (info.value.reason, info.value.permanent) == ("TIMEOUT", False)
    assert time.monotonic() - started < SLOW_SECONDS


def test_http_holder_connection_refused_is_a_temporary_outage(
    holder_settings: Any, fake: FakeState
) -> None:
    fake.mode = "refused"
    with pytest.raises(AccountHolderError) as info:
        get_account_holder_client().lookup(bank="WOORI", account_number="11100000001")
    assert (info.value.reason, info.value.permanent) == ("OUTAGE", False)


def test_http_holder_unsupported_bank_makes_no_call(holder_settings: Any, fake: FakeState) -> None:
    with pytest.raises(AccountHolderError) as info:
        get_account_holder_client().lookup(bank="MIZUHO", account_number="11100000001")
    assert info.value.reason == "NOT_SUPPORTED_BANK"
    assert fake.requests == []


def test_http_holder_200_without_a_name_is_a_temporary_outage(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        HttpAccountHolderClient, "_post", lambda self, body: httpx.Response(200, json={})
    )
    client = HttpAccountHolderClient(api_url="http://unused", api_key="k", timeout=1)
    with pytest.raises(AccountHolderError) as info:
        client.lookup(bank="WOORI", account_number="11100000001")
    assert (info.value.reason, info.value.permanent) == ("OUTAGE", False)


def test_account_numbers_and_birthdates_never_reach_the_log_in_full(
    holder_settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger=providers.__name__)
    client = get_account_holder_client()
    client.lookup(bank="WOORI", account_number="11100000001", birthdate_or_brn="19900101")
    with pytest.raises(AccountHolderError):
        client.lookup(bank="WOORI", account_number="11100000003", birthdate_or_brn="19900101")
    assert caplog.records
    assert "*******0001" in caplog.text
    assert "11100000001" not in caplog.text
    assert "11100000003" not in caplog.text
    assert "19900101" not in caplog.text


def test_vendor_error_text_is_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    payload = {"error": {"code": "MISMATCH", "message": "11100000003 / 19900101 불일치"}}
    monkeypatch.setattr(
        HttpAccountHolderClient, "_post", lambda self, body: httpx.Response(422, json=payload)
    )
    client = HttpAccountHolderClient(api_url="http://unused", api_key="k", timeout=1)
    with pytest.raises(AccountHolderError) as info:
        client.lookup(bank="WOORI", account_number="11100000003", birthdate_or_brn="19900101")
    assert str(info.value).endswith("*******0003 / ****0101 불일치")


def test_mask_account_number() -> None:
    assert mask_account_number("110-123-456789") == "********6789"
    assert mask_account_number("123") == "123"


# =============================================================================================
# holder_matches (docs/partners.md#account-holder-matching)
# =============================================================================================


@pytest.mark.parametrize(
    ("expected", "actual", "match"),
    [
        ("홍길동", "홍길동", True),
        ("홍 길동", "홍길동", True),
        (" 홍길동\u3000", "홍길동", True),  # ideographic space
        ("홍길동", "홍길순", False),
        ("주식회사 샌드박스", "(주)샌드박스", True),
        ("주식회사샌드박스", "㈜ 샌드박스", True),
        ("(주)샌드박스", "（주）샌드박스", True),  # full-width brackets
        ("(주) 샌드박스", "株式會社 샌드박스", True),
        ("㈱샌드박스", "주식회사 샌드박스", True),
        ("샌드박스 주식회사", "샌드박스(주)", True),
        ("(주)샌드박스", "샌드박스(주)", False),  # 앞주 vs 뒷주: different registered names
        ("(주)샌드박스", "샌드박스", False),  # a marker is not optional
        ("유한회사 샌드박스", "(유)샌드박스", True),
        ("사단법인 한빛", "(사)한빛", True),
        ("(주)샌드박스", "(유)샌드박스", False),
        ("Sandbox Co", "SANDBOX CO", True),
        ("", "", False),
        ("  ", "홍길동", False),
    ],
)
def test_holder_matches(expected: str, actual: str, match: bool) -> None:
    assert holder_matches(expected, actual) is match
