"""Moved to core.wire (pure formatting, usable below the API layer: snapshots, errors).
Import from core.wire; this alias goes away once nothing imports it."""

from core.wire import GRAPHQL_TYPE, camel, drop_none, graphql_id, rfc3339

__all__ = ["GRAPHQL_TYPE", "camel", "drop_none", "graphql_id", "rfc3339"]
