"""drf-spectacular postprocessing hook: request/response bodies taken from the PortOne SDK.

Our views are plain `APIView`s, so drf-spectacular sees paths but no bodies. The bodies live in
`core/api/openapi_portone.json`, which `scripts/gen_openapi_schemas.py` derives from the pinned
`portone-server-sdk` (the API's schema). This module only reads that committed file: the SDK is
not a runtime dependency.

It is not a source of truth for validation: the views' serializers are. Operations the SDK does
not know (e.g. our webhook receiver) keep what drf-spectacular produced, and SDK operations we do
not serve are not added.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from pathlib import Path
from typing import Any

from drf_spectacular.drainage import warn

SCHEMAS_FILE = Path(__file__).resolve().parent / "openapi_portone.json"
REF_PREFIX = "#/components/schemas/"
_PATH_PARAMETER = re.compile(r"\{[^}/]+\}")


def operation_key(method: str, path: str) -> str:
    """'GET /platform/partners/{}': path parameter names differ ({brn} vs the SDK's long name)."""
    return f"{method.upper()} {_PATH_PARAMETER.sub('{}', path)}"


@functools.cache
def portone_schemas() -> dict[str, Any]:
    document = json.loads(SCHEMAS_FILE.read_text(encoding="utf-8"))
    document["byKey"] = {
        operation_key(*key.split(" ", 1)): operation
        for key, operation in document["operations"].items()
    }
    return document


def _referenced(value: Any) -> set[str]:
    if isinstance(value, dict):
        found = set()
        ref = value.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF_PREFIX):
            found.add(ref.removeprefix(REF_PREFIX))
        for item in value.values():
            found |= _referenced(item)
        return found
    if isinstance(value, list):
        return set().union(*(_referenced(item) for item in value)) if value else set()
    return set()


def _closure(names: set[str], schemas: dict[str, Any]) -> set[str]:
    seen: set[str] = set()
    pending = list(names)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        pending.extend(_referenced(schemas[name]) - seen)
    return seen


def add_portone_bodies(result, generator, request, public):
    """POSTPROCESSING_HOOKS entry: merge SDK-derived bodies into `result` (in place)."""
    document = portone_schemas()
    by_key = document["byKey"]
    sdk_schemas = document["components"]["schemas"]
    used: set[str] = set()
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            sdk = by_key.get(operation_key(method, path))
            if sdk is None:
                continue
            sdk = copy.deepcopy(sdk)
            present = {(p["in"], p["name"]) for p in operation.get("parameters", [])}
            extra = [p for p in sdk["parameters"] if (p["in"], p["name"]) not in present]
            if extra:
                operation["parameters"] = [*operation.get("parameters", []), *extra]
            if "requestBody" in sdk:
                operation["requestBody"] = sdk["requestBody"]
            operation.setdefault("responses", {})["200"] = sdk["responses"]["200"]
            operation["x-portone-sdk-method"] = sdk["x-portone-sdk-method"]
            used |= _referenced(sdk)

    components = result.setdefault("components", {}).setdefault("schemas", {})
    for name in sorted(_closure(used, sdk_schemas)):
        if name in components and components[name] != sdk_schemas[name]:
            warn(f"component {name} exists already; the PortOne SDK one is not merged")
            continue
        components[name] = copy.deepcopy(sdk_schemas[name])
    result["components"]["schemas"] = dict(sorted(components.items()))
    return result
