"""What every PortOne-shaped object shares: graphqlIds, RFC 3339 instants, no nulls.

Pure formatting (no Django): the API renders with it, and so do the snapshots a transfer keeps
of the versions it used. Nothing here reads the database or knows a domain rule.
"""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from typing import Any

# graphqlId type codes: PortOne's (2..6, seen in its documentation) and ours for the entities it
# publishes none for (7..14). docs/api.md, "Ids".
GRAPHQL_TYPE = {
    "discount_share_policy": 2,
    "additional_fee_policy": 3,
    "partner": 4,
    "contract": 5,
    "transfer": 6,
    "partner_settlement": 7,
    "payout": 8,
    "bulk_payout": 9,
    "account_transfer": 10,
    "bulk_account_transfer": 11,
    "bulk_task": 12,
    "counterparty": 13,
    "bulk_tax_invoice": 14,
    "bank_account": 15,
}


def graphql_id(kind: str, id_: str) -> str:
    return base64.b64encode(f"{GRAPHQL_TYPE[kind]}:{id_}".encode()).decode()


def rfc3339(value: datetime) -> str:
    """Instants go out in UTC with milliseconds, e.g. 2026-11-23T00:26:08.818Z."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def drop_none(value: Any) -> Any:
    """The SDK rejects `null`: optional fields without a value are omitted. Instants and dates
    become their wire strings on the way."""
    if isinstance(value, dict):
        return {k: drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_none(v) for v in value]
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def camel(name: str) -> str:
    """snake_case -> camelCase: `transfer_id` -> `transferId`."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)
