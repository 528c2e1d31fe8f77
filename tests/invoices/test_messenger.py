"""The 알림톡-style messenger adapter (invoices.providers.messenger): the sandbox records what it
accepts (in-process outbox and a JSON-lines file under VAR_DIR) and fails deterministically for the
rehearsal numbers; the HTTP adapter posts JSON with its key and maps answers to permanent or
temporary failures (respx answers at httpx's transport); the factory reads the settings."""

from __future__ import annotations

import json

import httpx
import pytest
import respx
from django.core.exceptions import ImproperlyConfigured

from invoices.providers import messenger
from invoices.providers.messenger import (
    HttpMessengerClient,
    MessengerError,
    SandboxMessengerClient,
    get_messenger_client,
    normalise_phone,
)

API = "https://relay.example/v1/alimtalk"


@pytest.fixture(autouse=True)
def _outbox(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    messenger.outbox.clear()
    yield
    messenger.outbox.clear()


def test_phone_numbers_are_normalised_or_refused():
    assert normalise_phone("010-1234-5678") == "01012345678"
    assert normalise_phone("+82 10 1234 5678") == "01012345678"
    assert normalise_phone("(02) 123-4567") == "021234567"
    for bad in ("", "010-12", "call me", "010-1234-5678-9999", "０１０１２３４５６７８"):
        with pytest.raises(ValueError, match="전화번호 형식이 아닙니다"):
            normalise_phone(bad)


def test_the_sandbox_records_in_the_outbox_and_the_file(settings, tmp_path):
    receipt = SandboxMessengerClient().send(
        "010-1234-5678", "TAX_INVOICE_REVERSE_REQUEST", {"totalAmount": 1_100_000}, "본문"
    )
    assert receipt.to_phone == "01012345678" and receipt.provider == "sandbox"
    assert receipt.message_id.startswith("sandbox-")
    [sent] = messenger.outbox
    assert (sent.message_id, sent.to_phone, sent.template_code, sent.text) == (
        receipt.message_id,
        "01012345678",
        "TAX_INVOICE_REVERSE_REQUEST",
        "본문",
    )
    assert sent.variables == {"totalAmount": 1_100_000}
    lines = (tmp_path / "messenger" / "outbox.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["to"] == "01012345678" and record["text"] == "본문"
    assert record["messageId"] == receipt.message_id
    assert record["variables"] == {"totalAmount": 1_100_000}


def test_the_sandbox_rehearsal_numbers_fail_as_documented():
    client = SandboxMessengerClient()
    with pytest.raises(MessengerError) as permanent:
        client.send("010-0000-0000", "T", {}, "x")
    assert permanent.value.permanent is True
    with pytest.raises(MessengerError) as temporary:
        client.send("01099999999", "T", {}, "x")
    assert temporary.value.permanent is False
    with pytest.raises(ValueError, match="전화번호 형식이 아닙니다"):
        client.send("not a phone", "T", {}, "x")
    assert messenger.outbox == []


def _client(**kw) -> HttpMessengerClient:
    return HttpMessengerClient(api_url=API, api_key="key-123", timeout=2.0, **kw)


@respx.mock
def test_the_http_adapter_posts_json_with_its_key():
    route = respx.post(API).mock(return_value=httpx.Response(200, json={"messageId": "m-1"}))
    receipt = _client(sender_key="sender-9").send(
        "010-1234-5678", "TAX_INVOICE_ISSUED", {"totalAmount": 22_000}, "발행되었습니다"
    )
    assert (receipt.message_id, receipt.to_phone, receipt.provider) == (
        "m-1",
        "01012345678",
        "http",
    )
    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer key-123"
    assert json.loads(request.content) == {
        "to": "01012345678",
        "templateCode": "TAX_INVOICE_ISSUED",
        "variables": {"totalAmount": "22000"},
        "text": "발행되었습니다",
        "senderKey": "sender-9",
    }


@respx.mock
@pytest.mark.parametrize(
    ("answer", "permanent"),
    [
        (httpx.Response(400, json={"message": "template not approved"}), True),
        (httpx.Response(401, json={"message": "bad key"}), True),
        (httpx.Response(429), False),
        (httpx.Response(503, text="down"), False),
        (httpx.Response(200, json={}), False),  # no message id: not known to be sent
        (httpx.Response(200, text="<html>"), False),
    ],
)
def test_the_http_adapter_maps_answers_to_failures(answer, permanent):
    respx.post(API).mock(return_value=answer)
    with pytest.raises(MessengerError) as failure:
        _client().send("01012345678", "T", {}, "x")
    assert failure.value.permanent is permanent


@respx.mock
def test_the_http_adapter_turns_transport_errors_into_temporary_failures():
    respx.post(API).mock(side_effect=httpx.ConnectTimeout("slow"))
    with pytest.raises(MessengerError) as timeout:
        _client().send("01012345678", "T", {}, "x")
    assert timeout.value.permanent is False and "시간 초과" in timeout.value.message
    respx.post(API).mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(MessengerError) as refused:
        _client().send("01012345678", "T", {}, "x")
    assert refused.value.permanent is False
    assert "key-123" not in refused.value.message


def test_the_factory_reads_the_settings(settings):
    settings.MESSENGER_PROVIDER = "sandbox"
    assert isinstance(get_messenger_client(), SandboxMessengerClient)
    settings.MESSENGER_PROVIDER = "none"
    assert get_messenger_client() is None
    assert messenger.messenger_enabled() is False
    settings.MESSENGER_PROVIDER = "http"
    settings.MESSENGER_API_URL = API
    settings.MESSENGER_API_KEY = ""
    with pytest.raises(ImproperlyConfigured):
        get_messenger_client()
    settings.MESSENGER_API_KEY = "k"
    client = get_messenger_client()
    assert isinstance(client, HttpMessengerClient) and client.api_url == API
    settings.MESSENGER_PROVIDER = "pigeon"
    with pytest.raises(ImproperlyConfigured):
        get_messenger_client()
