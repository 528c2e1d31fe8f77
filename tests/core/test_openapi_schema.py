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


def test_it_documents_sixty_two_of_sixty_three_operations(schema):
    # Measured when the hook was added: every operation but the webhook receiver has a 200
    # schema; 26 take a JSON body and 7 GETs a JSON `requestBody` query parameter.
    total, responses, bodies = _counts(schema)
    assert total == 63
    assert responses >= 62
    assert bodies >= 33


def test_it_leaves_operations_the_sdk_does_not_know_alone(schema):
    webhook = _operation(schema, "post", "/webhooks/portone")
    assert "x-portone-sdk-method" not in webhook
    assert "content" not in webhook["responses"].get("200", {})
    # SDK operations we do not serve are not added, nor are their components.
    assert "/platform/payouts" not in schema["paths"]
    assert "GetPlatformPayoutsResponse" not in schema["components"]["schemas"]


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
