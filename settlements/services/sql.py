"""SQL helpers of the set-based settlement writers: quoting, per-statement PostgreSQL settings,
and how many keys one statement may carry on each database."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection

# Keys (= target settlements) per assignment statement. SQLite binds at most 32,766 parameters
# (7 per key); PostgreSQL gets its parameters inlined by psycopg's client-side binding, so one
# statement can carry every key of a day.
SQLITE_KEY_CHUNK = 4_000
KEY_CHUNK = 50_000


def key_chunk() -> int:
    return SQLITE_KEY_CHUNK if connection.vendor == "sqlite" else KEY_CHUNK


def id_chunk() -> int:
    """Ids per IN (...) list, leaving room for the keys in the same statement on SQLite."""
    return 1_000 if connection.vendor == "sqlite" else KEY_CHUNK


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def marks(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


@contextmanager
def statement_settings(cursor, **settings: str) -> Iterator[None]:
    """PostgreSQL settings for the next statement(s), restored right after (SET LOCAL would last
    to the end of the transaction). Nothing elsewhere."""
    if connection.vendor != "postgresql":
        yield
        return
    cursor.execute("SELECT " + ", ".join(["current_setting(%s)"] * len(settings)), list(settings))
    previous = dict(zip(settings, cursor.fetchone(), strict=True))
    for name, value in settings.items():
        cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
    try:
        yield
    finally:
        for name, value in previous.items():
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])


def bulk_statement_settings(cursor):
    """For the one big statement of `_assign_and_total`:

    * no nested loops — the planner cannot estimate a VALUES list joined on six columns (it
      guesses one row) and would look the transfers up key by key, which takes minutes for 10^6
      transfers; with a hash join the transfers are read once;
    * work_mem large enough to sum 10^6 returned rows per settlement in memory, not on disk.
    """
    return statement_settings(cursor, enable_nestloop="off", work_mem="256MB")
