import importlib.util
import sys
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from core.api import openapi

ROOT = Path(__file__).resolve().parents[2]
REF = "#/components/schemas/"


def _load_generator(monkeypatch):
    spec = importlib.util.spec_from_file_location(
        "gen_openapi_schemas", ROOT / "scripts" / "gen_openapi_schemas.py"
    )
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the class body runs.
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _operation(schema: dict, method: str, path: str) -> dict:
    return schema["paths"][path][method]


def _component(schema: dict, ref: str) -> dict:
    assert ref.startswith(REF)
    return schema["components"]["schemas"][ref.removeprefix(REF)]


def _json_schema(content_holder: dict) -> dict:
    return content_holder["content"]["application/json"]["schema"]


def _counts(schema: dict) -> tuple[int, int, int]:
    operations = [op for ops in schema["paths"].values() for op in ops.values()]
    responses = sum(1 for op in operations if op["responses"].get("200", {}).get("content"))
    bodies = sum(
        1
        for op in operations
        if "requestBody" in op or any(p["name"] == "requestBody" for p in op.get("parameters", []))
    )
    return len(operations), responses, bodies


def test_it_documents_the_order_transfer_request_and_response(schema):
    operation = _operation(schema, "post", "/platform/transfers/order")

    body = _component(schema, _json_schema(operation["requestBody"])["$ref"])
    assert "partnerId" in body["required"]
    assert "paymentId" in body["required"]
    assert "memo" not in body["required"]  # Optional in the SDK
    assert body["properties"]["orderDetail"] == {
        "$ref": REF + "CreatePlatformOrderTransferBodyOrderDetail"
    }
    order_detail = _component(schema, body["properties"]["orderDetail"]["$ref"])
    assert set(order_detail["properties"]) == {"orderAmount", "orderLines"}
    assert order_detail["properties"]["orderLines"]["type"] == "array"

    response = _component(schema, _json_schema(operation["responses"]["200"])["$ref"])
    assert response["required"] == ["transfer"]
    transfer = _component(schema, response["properties"]["transfer"]["$ref"])
    assert transfer["properties"]["type"] == {"type": "string", "enum": ["ORDER"]}
    assert "settlementCurrency" in transfer["required"]
    assert {"in": "query", "name": "test", "required": False, "schema": {"type": "boolean"}} in (
        operation["parameters"]
    )


def test_it_documents_partner_reads_and_writes_as_the_sdk_does(schema):
    # The SDK's get_platform_partner deserializes the partner itself, not {"partner": ...}.
    get = _json_schema(_operation(schema, "get", "/platform/partners/{id}")["responses"]["200"])
    assert get == {"$ref": REF + "PlatformPartner"}
    partner = _component(schema, get["$ref"])
    assert {"id", "name", "status", "account"} <= set(partner["required"])
    assert _component(schema, partner["properties"]["status"]["$ref"]) == {
        "type": "string",
        "enum": ["PENDING", "APPROVED", "REJECTED"],
    }

    patch = _operation(schema, "patch", "/platform/partners/{id}")
    response = _component(schema, _json_schema(patch["responses"]["200"])["$ref"])
    assert response["properties"]["partner"] == {"$ref": REF + "PlatformPartner"}
    assert "requestBody" in patch


def test_it_sends_get_bodies_as_a_json_query_parameter(schema):
    parameters = _operation(schema, "get", "/platform/partners")["parameters"]
    request_body = next(p for p in parameters if p["name"] == "requestBody")
    assert request_body["in"] == "query"
    body = _component(schema, request_body["content"]["application/json"]["schema"]["$ref"])
    assert {"page", "filter"} <= set(body["properties"])
    assert "requestBody" not in _operation(schema, "get", "/platform/partners")


def test_it_describes_transfer_unions_with_a_type_discriminator(schema):
    get = _json_schema(_operation(schema, "get", "/platform/transfers/{id}")["responses"]["200"])
    union = _component(schema, get["$ref"])
    assert union["discriminator"]["propertyName"] == "type"
    assert set(union["discriminator"]["mapping"]) == {"MANUAL", "ORDER", "ORDER_CANCEL"}
    assert len(union["oneOf"]) == 3


def test_it_matches_paths_whose_parameter_names_differ_from_the_sdk(schema):
    # Ours: {bank}/{account_number} and {brn}; the SDK names its path variables differently.
    holder = _operation(schema, "get", "/platform/bank-accounts/{bank}/{account_number}/holder")
    assert _json_schema(holder["responses"]["200"]) == {"$ref": REF + "PlatformAccountHolder"}
    state = _operation(schema, "get", "/platform/companies/{brn}/state")
    assert [p["name"] for p in state["parameters"] if p["in"] == "path"] == ["brn"]
    assert _json_schema(state["responses"]["200"])["$ref"].startswith(REF)


def test_it_documents_every_operation_but_the_webhook_receiver(schema):
    # Measured when the hook was added: every operation but the webhook receiver has a 200
    # schema; 26 take a JSON body and 7 GETs a JSON `requestBody` query parameter. The payouts
    # added 4 SDK reads and 8 operations of our own (payouts/api/schema.py), 6 with a body; the
    # outgoing webhooks 9 of our own (core/api/webhook_endpoints.py, docs/webhooks.md#api); tax
    # invoices all 31 B2B operations of the SDK (business info among them) and 2 of our own
    # (re-send a request, a bulk request from payouts).
    total, responses, bodies = _counts(schema)
    assert total == 117
    assert responses >= 116
    assert bodies >= 43


def test_it_leaves_operations_the_sdk_does_not_know_alone(schema):
    webhook = _operation(schema, "post", "/webhooks/portone")
    assert "x-portone-sdk-method" not in webhook
    assert "content" not in webhook["responses"].get("200", {})
    # SDK operations we do not serve are not added (every Platform and B2B one is served now:
    # the SDK's payment API is the example), nor are their components.
    assert not [path for path in schema["paths"] if path.startswith("/payments")]
    assert "GetPaymentResponse" not in schema["components"]["schemas"]
    assert "PaymentNotFoundError" not in schema["components"]["schemas"]


def test_it_documents_our_payout_extension_with_its_own_components(schema):
    create = _operation(schema, "post", "/platform/bulk-payouts")
    assert "x-portone-sdk-method" not in create
    assert create["operationId"] == "create_platform_bulk_payout"
    assert create["summary"] == "일괄 지급 생성"
    body = _component(schema, _json_schema(create["requestBody"])["$ref"])
    assert body["required"] == ["name"]
    assert body["properties"]["filter"]["$ref"] == REF + "PlatformPartnerSettlementFilterInput"
    answer = _component(schema, _json_schema(create["responses"]["200"])["$ref"])
    assert answer["properties"]["bulkPayout"] == {"$ref": REF + "PlatformBulkPayout"}
    # the SDK's read of the same path keeps the SDK's bodies
    listed = _operation(schema, "get", "/platform/bulk-payouts")
    assert listed["operationId"] == "get_platform_bulk_payouts"
    account = _operation(schema, "get", "/platform/payout-account")
    balance = _component(schema, _json_schema(account["responses"]["200"])["$ref"])
    assert set(balance["required"]) == {
        "bankAccountId",
        "bank",
        "accountNumber",
        "holder",
        "currency",
        "balance",
    }
    deposit = _operation(schema, "post", "/platform/payout-account/deposits")
    answer = _component(schema, _json_schema(deposit["responses"]["200"])["$ref"])
    assert answer["properties"]["accountTransfer"] == {
        "$ref": REF + "PlatformDepositAccountTransfer"
    }


def test_the_merged_document_is_valid_openapi(schema):
    validate_schema(schema)
    refs = {ref.removeprefix(REF) for ref in openapi._referenced(schema["paths"])}
    refs |= openapi._referenced(schema["components"])
    assert refs <= set(schema["components"]["schemas"])


def test_the_committed_json_is_what_the_pinned_sdk_generates(monkeypatch):
    generator = _load_generator(monkeypatch)
    committed = openapi.SCHEMAS_FILE.read_text(encoding="utf-8")
    assert generator.render(generator.build(generator.sdk_root())) == committed

    pins = (ROOT / "requirements-dev.txt").read_text(encoding="utf-8").split()
    assert openapi.portone_schemas()["info"]["sdk"] in pins


def _operations(schema: dict):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def test_it_declares_the_portone_authorization_header(schema):
    assert list(schema["components"]["securitySchemes"]) == ["PortOne"]
    scheme = schema["components"]["securitySchemes"]["PortOne"]
    assert {k: scheme[k] for k in ("type", "in", "name")} == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
    }
    # Swagger UI sends the typed value as is: the reader must type the scheme word too.
    assert "`PortOne <시크릿>`" in scheme["description"]


def test_every_operation_names_its_security(schema):
    secured = {
        (method, path): operation.get("security") for path, method, operation in _operations(schema)
    }
    assert len(secured) == 117
    webhook = secured.pop(("post", "/webhooks/portone"))
    assert webhook == []  # signed by PortOne (Standard Webhooks), no API secret
    assert {str(security) for security in secured.values()} == {str([{"PortOne": []}])}


def test_every_operation_has_an_area_tag(schema):
    names = [name for name, _description in openapi.TAGS]
    tags = {(method, path): operation["tags"] for path, method, operation in _operations(schema)}
    assert all(len(t) == 1 and t[0] in names for t in tags.values()), {
        key: t for key, t in tags.items() if len(t) != 1 or t[0] not in names
    }
    assert tags[("get", "/platform/contracts")] == ["정책·계약"]
    assert tags[("post", "/platform/partners/counterparty-connect")] == ["국세청 연동·세금계산서"]
    assert tags[("post", "/platform/partner-settlements/complete-payout")] == ["지급"]
    assert tags[("get", "/platform/partner-settlements")] == ["정산 내역"]
    assert tags[("get", "/platform/transfer-summaries/sheet-file")] == ["정산건"]
    assert tags[("post", "/webhooks/portone")] == ["웹훅"]
    assert tags[("post", "/platform/bulk-payouts/{id}/start")] == ["지급"]
    assert tags[("get", "/platform/payout-account")] == ["지급"]
    assert tags[("get", "/platform/account-transfers")] == ["지급"]
    # The document lists the tags in use, in TAGS order, each with its description.
    assert [t["name"] for t in schema["tags"]] == [
        n for n in names if n in {t[0] for t in tags.values()}
    ]
    assert all(t["description"] for t in schema["tags"])


def test_unknown_paths_get_the_fallback_tag_which_the_suite_refuses():
    assert openapi.tag_for("/platform/something-new") == openapi.FALLBACK_TAG
    assert openapi.tag_for("/platform/discount-share-policy-filter-options") == "정책·계약"


def test_operations_carry_the_sdk_korean_titles_and_method(schema):
    contracts = _operation(schema, "get", "/platform/contracts")
    assert contracts["summary"] == "계약 다건 조회"
    assert contracts["operationId"] == "get_platform_contracts"
    assert "SDK: `client.platform.policy.get_platform_contracts(…)`" in contracts["description"]
    payout = _operation(schema, "post", "/platform/partner-settlements/complete-payout")
    assert payout["summary"] == "일괄 지급 완료 처리"
    assert (
        "`client.platform.payout.complete_platform_payout_by_partner_settlement_ids(…)`"
        in (payout["description"])
    )
    reschedule = _operation(schema, "put", "/platform/additional-fee-policies/{id}/schedule")
    assert reschedule["summary"] == "추가 수수료 정책 예약 업데이트 재설정"
    assert _operation(schema, "post", "/webhooks/portone")["summary"] == "포트원 결제 웹훅 수신"

    ids = [operation["operationId"] for _p, _m, operation in _operations(schema)]
    assert len(ids) == len(set(ids))
    assert all(operation.get("summary") for _p, _m, operation in _operations(schema))


def test_every_documented_sdk_call_exists_in_the_pinned_sdk(schema):
    from portone_server_sdk import PortOneClient

    client = PortOneClient(secret="x", base_url="http://127.0.0.1:1")
    calls = [
        openapi.sdk_call(operation["x-portone-sdk-method"])
        for _p, _m, operation in _operations(schema)
        if "x-portone-sdk-method" in operation
    ]
    assert len(calls) == 97
    for call in calls:
        target = client
        for attribute in call.split(".")[1:]:
            target = getattr(target, attribute)
        assert callable(target), call


def test_the_sdk_call_path_follows_the_client_tree():
    assert openapi.sdk_call("PlatformClient.get_platform_setting") == (
        "client.platform.get_platform_setting"
    )
    assert openapi.sdk_call("PartnerSettlementClient.get_platform_partner_settlements") == (
        "client.platform.partner_settlement.get_platform_partner_settlements"
    )


@pytest.mark.django_db
def test_the_served_schema_and_docs_page_are_korean_and_offline(client):
    served = client.get("/api/schema/", {"format": "json"})
    assert served.status_code == 200
    document = served.json()
    assert document["info"]["title"] == "파트너 정산 API (PortOne 호환)"
    assert "PortOne" in document["components"]["securitySchemes"]
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    # Swagger UI from drf-spectacular-sidecar's static files, not a CDN.
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn.jsdelivr" not in html
    assert '"persistAuthorization": true' in html


def test_the_schema_is_generated_without_warnings_or_errors():
    # drf-spectacular prints each warning on every /api/schema/ request of `make run`; ours had
    # one per view ("unable to guess serializer") and per operationId collision.
    from drf_spectacular.drainage import GENERATOR_STATS

    GENERATOR_STATS.reset()
    SchemaGenerator().get_schema(request=None, public=True)
    assert not GENERATOR_STATS, (
        dict(GENERATOR_STATS._warn_cache),
        dict(GENERATOR_STATS._error_cache),
    )
