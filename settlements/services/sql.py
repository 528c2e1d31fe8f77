"""SQL helpers of the set-based settlement writers: quoting, per-statement PostgreSQL settings,
and how many keys one statement may carry on each database."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, models
from django.utils import timezone

from core.pgcopy import row_writer

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


def insert_new_ignoring_conflicts(
    model: type[models.Model], objs: Sequence[models.Model], *, key: str
) -> list[models.Model]:
    """INSERT … ON CONFLICT DO NOTHING of new instances, for 10^4-10^5 rows (PostgreSQL only):
    COPY into a temporary table of the same columns, then one INSERT … SELECT that returns the
    new primary keys. `bulk_create(ignore_conflicts=True)` binds every value in Python (psycopg
    dumps UNNEST arrays: 50,000 payments took seconds) and sets no primary key, so the rows had
    to be read back. Returns the instances inserted (pk set, marked saved), matched on `key`, a
    column unique among `objs`; the others were inserted by a concurrent transaction first.
    auto_now / auto_now_add columns are filled as save() would."""
    if not objs:
        return []
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    for obj in objs:
        for f in fields:
            if getattr(f, "auto_now", False) or (
                getattr(f, "auto_now_add", False) and getattr(obj, f.attname) is None
            ):
                setattr(obj, f.attname, now)
    write = row_writer(fields)
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    by_key = {getattr(obj, key): obj for obj in objs}
    with connection.cursor() as cursor:
        # CREATE … AS … WITH NO DATA: the columns and types only (no identity, no NOT NULL).
        cursor.execute(
            f"CREATE TEMPORARY TABLE new_rows ON COMMIT DROP AS SELECT {columns} FROM {table} "
            "WITH NO DATA"
        )
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY new_rows ({columns}) FROM STDIN") as copy,
        ):
            for obj in objs:
                copy.write_row(write(obj))
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM new_rows "
            f"ON CONFLICT DO NOTHING RETURNING {quote(model._meta.pk.column)}, "
            f"{quote(model._meta.get_field(key).column)}"
        )
        inserted = []
        for pk, value in cursor.fetchall():
            obj = by_key[value]
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = connection.alias
            inserted.append(obj)
        cursor.execute("DROP TABLE new_rows")
    return inserted
