"""Very large inserts on PostgreSQL with COPY instead of INSERT (anchors.md §1: COPY writes
100k rows in ~0.3 s, the ORM's bulk_create spends ~600 µs of Python per partner row).

Rows are written as the database stores them: `db_values()` turns a model instance into column
values, encrypting each `EncryptedCharField` once so the caller can reuse the token (history row,
version snapshot). Nothing here calls save() or sends signals; callers set auto_now fields and
reserve primary keys with `reserve_ids()`. PostgreSQL only; other databases keep bulk_create.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models


def is_available() -> bool:
    return connection.vendor == "postgresql"


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` fresh primary keys from the table's identity sequence, in order."""
    if count == 0:
        return []
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [connection.ops.quote_name(model._meta.db_table), pk, count],
        )
        return [row[0] for row in cursor.fetchall()]


def db_values(obj: models.Model, fields: Iterable[models.Field]) -> dict[str, Any]:
    """attname -> value as stored (encrypted, JSON text, plain str for choices)."""
    out: dict[str, Any] = {}
    for field in fields:
        value = getattr(obj, field.attname)
        if getattr(field, "encrypted", False):
            value = field.encrypt_value(value)
        elif isinstance(field, models.JSONField):
            value = None if value is None else json.dumps(value, cls=field.encoder)
        elif isinstance(value, enum.Enum):
            value = value.value
        out[field.attname] = value
    return out


def copy_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """COPY rows into the model's table inside the current transaction."""
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
