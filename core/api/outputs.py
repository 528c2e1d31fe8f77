"""Output serializers: the SDK's camelCase objects declared field by field (`source=` names the
model attribute), so an endpoint's answer reads like the SDK dataclass it must match.

`Output` leaves out fields whose value is None (the SDK rejects `null` for absent optional
fields); `GraphqlId` and `Instant` are the two wire conventions every object shares. Hot lists of
thousands of rows may render with plain functions instead (say why where they do).
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.wire import graphql_id, rfc3339


class Output(serializers.Serializer):
    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        return {key: value for key, value in data.items() if value is not None}


class GraphqlId(serializers.Field):
    """The entity's graphqlId, from its public id."""

    def __init__(self, kind: str, **kwargs: Any) -> None:
        self.kind = kind
        kwargs.setdefault("source", "public_id")
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: str) -> str:
        return graphql_id(self.kind, value)


class Instant(serializers.Field):
    """An instant in RFC 3339, UTC, milliseconds (2026-11-23T00:26:08.818Z)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value) -> str | None:
        return None if value is None else rfc3339(value)


class ProgressStatsOutput(Output):
    preparedCount = serializers.IntegerField(source="prepared_count")
    processingCount = serializers.IntegerField(source="processing_count")
    succeededCount = serializers.IntegerField(source="succeeded_count")
    failedCount = serializers.IntegerField(source="failed_count")
    canceledCount = serializers.IntegerField(source="canceled_count")


class BulkTaskOutput(Output):
    """PlatformBulkTask."""

    id = serializers.CharField(source="public_id")
    graphqlId = GraphqlId("bulk_task")
    status = serializers.CharField()
    type = serializers.CharField()
    progressStats = ProgressStatsOutput(source="*")
    isForTest = serializers.BooleanField(source="is_for_test")
    statusUpdatedAt = Instant(source="status_updated_at")
    createdAt = Instant(source="created_at")
    updatedAt = Instant(source="updated_at")
