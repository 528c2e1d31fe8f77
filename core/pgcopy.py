"""Very large inserts on PostgreSQL with COPY instead of INSERT
(docs/decisions.md#bulk-inserts-with-copy: COPY writes 100k rows in ~0.3 s, the ORM's bulk_create
spends ~600 µs of Python per partner row).

Rows are written as the database stores them: `row_writer()` turns a model instance into column
values (each `EncryptedCharField` encrypted, JSON dumped, choices as their value). Rows that copy
rows just written (history rows, version snapshots) are made inside PostgreSQL with
INSERT ... SELECT from those rows, so they hold the very same stored values (encrypted tokens
included) and cost no Python. Nothing here calls save() or sends signals; callers set auto_now
fields, reserve primary keys with `reserve_ids()` and pass the history who-columns themselves
(core.audit.attribution). PostgreSQL only; other databases keep bulk_create.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone

from core.iterables import chunked


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


def copy_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """COPY rows into the model's table inside the current transaction."""
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def row_writer(fields: Sequence[models.Field]) -> Callable[..., list[Any]]:
    """`obj -> [column values]` for `fields`, as stored: the conversion of each field is chosen
    once instead of tested for every value (10^5 rows x 40 fields). `write(obj, given)` takes
    the stored value of some columns from `given` (attname -> value) instead."""
    plan: list[tuple[str, Callable[[Any], Any] | None]] = []
    for field in fields:
        if getattr(field, "encrypted", False):
            plan.append((field.attname, field.encrypt_value))
        elif isinstance(field, models.JSONField):
            plan.append((field.attname, _json_dumper(field.encoder)))
        elif field.choices:
            plan.append((field.attname, _enum_value))
        else:
            plan.append((field.attname, None))

    def write(obj: models.Model, given: dict[str, Any] | None = None) -> list[Any]:
        values = obj.__dict__  # concrete fields of a new instance live here (no descriptors)
        if given:
            return [
                given[attname]
                if attname in given
                else (values[attname] if convert is None else convert(values[attname]))
                for attname, convert in plan
            ]
        return [
            values[attname] if convert is None else convert(values[attname])
            for attname, convert in plan
        ]

    return write


def copy_objects(
    model: type[models.Model],
    objs: Sequence[models.Model],
    *,
    json_texts: Callable[[models.Model], dict[str, str]] | None = None,
) -> None:
    """Insert new instances with COPY, as `bulk_create` would: primary keys from the table's
    sequence first (set on the objects), auto_now / auto_now_add columns filled, the objects
    marked saved. No save(), no signals, no history rows.

    `json_texts(obj)` may give a JSON column's text already serialised: rows of a batch share
    most of their snapshot parts, and json.dumps per row was 40 % of the row's budget for 10^5
    transfers. The queued writer formats rows in this thread while a second one sends them, so
    Python and the server (parsing jsonb, TOASTing) overlap.
    """
    from psycopg.copy import QueuedLibpqWriter

    if not objs:
        return
    fields = model._meta.concrete_fields
    now = timezone.now()
    auto_now = [f.attname for f in fields if getattr(f, "auto_now", False)]
    auto_now_add = [f.attname for f in fields if getattr(f, "auto_now_add", False)]
    for obj, pk in zip(objs, reserve_ids(model, len(objs)), strict=True):
        obj.pk = pk
        for name in auto_now:
            setattr(obj, name, now)
        for name in auto_now_add:
            if getattr(obj, name) is None:
                setattr(obj, name, now)
    write = row_writer(fields)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor:
        writer = QueuedLibpqWriter(cursor.cursor)
        with connection.wrap_database_errors, cursor.cursor.copy(sql, writer=writer) as copy:
            for obj in objs:
                copy.write_row(write(obj, json_texts(obj) if json_texts else None))
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def _json_dumper(encoder: type[json.JSONEncoder] | None) -> Callable[[Any], str | None]:
    return lambda value: None if value is None else json.dumps(value, cls=encoder)


def _enum_value(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def insert_history(
    model: type[models.Model], pks: Sequence[int], *, who: dict[str, Any], history_date: Any
) -> None:
    """One "+" django-simple-history row per `pks` row of `model`, copied inside PostgreSQL from
    the rows as stored. `who` = core.audit.attribution() (history_user, history_api_secret)."""
    history = model.history.model
    quote = connection.ops.quote_name
    own = {field.column for field in model._meta.concrete_fields}
    extra = {
        "history_date": history_date,
        "history_change_reason": None,
        "history_type": "+",
        "history_user_id": getattr(who.get("history_user"), "pk", None),
        **{k: v for k, v in who.items() if k != "history_user"},
    }
    columns, select, params = [], [], []
    for field in history._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(quote(field.column))
        if field.attname in extra:
            select.append("%s")
            params.append(extra[field.attname])
        elif field.column in own:
            select.append(quote(field.column))
        else:
            raise ValueError(f"no value for {history._meta.db_table}.{field.column}")
    _insert_select(model, history, columns, select, params, pks)


def insert_snapshots(
    version_model: type[models.Model],
    model: type[models.Model],
    pks: Sequence[int],
    *,
    names: Sequence[str],
    values: dict[str, Any],
) -> None:
    """One version row per `pks` row of `model` whose `terms` is the JSON object of the `names`
    columns as stored, built by PostgreSQL (jsonb_build_object). Equals
    core.versioning.terms_json() of the row: encrypted fields stay the stored token, JSON columns
    nest, text stays text. `values` = the version's other columns (state, applied_at, ...)."""
    quote = connection.ops.quote_name
    pairs = []
    for name in names:
        if not name.isidentifier():
            raise ValueError(f"not a field name: {name!r}")
        field = model._meta.get_field(name)
        if isinstance(field, (models.DateField, models.TimeField)):
            raise ValueError(f"{name}: terms_json writes isoformat(); add it here first")
        pairs.append(f"'{name}', {quote(field.column)}")
    entity = version_model._meta.get_field("entity").column
    columns = [quote(entity), quote("terms"), *(quote(c) for c in values)]
    select = [quote(model._meta.pk.column), f"jsonb_build_object({', '.join(pairs)})"]
    select += ["%s"] * len(values)
    _insert_select(model, version_model, columns, select, list(values.values()), pks)


def _runs(pks: Sequence[int]) -> list[tuple[int, int]]:
    """The keys as maximal runs of consecutive values: [1, 2, 3, 7, 8] -> [(1, 3), (7, 8)]."""
    runs: list[tuple[int, int]] = []
    for pk in sorted(pks):
        if runs and pk == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], pk)
        else:
            runs.append((pk, pk))
    return runs


#: key ranges per INSERT ... SELECT
RUNS_PER_STATEMENT = 50


def _insert_select(source, target, columns, select, params, pks) -> None:
    """INSERT INTO target (columns) SELECT select FROM source, for the rows keyed `pks`.

    The rows are picked by key *ranges*: `reserve_ids` hands out consecutive keys unless another
    writer took some in between, and every key inside a reserved run is ours. `id = ANY(10^5
    keys)` is not safe here: right after a bulk load the planner may think the table is empty
    and choose a sequential scan testing each row against the whole array (measured: 16 s
    instead of 1 s for 100k partners).
    """
    quote = connection.ops.quote_name
    pk = quote(source._meta.pk.column)
    head = (
        f"INSERT INTO {quote(target._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(select)} FROM {quote(source._meta.db_table)} WHERE "
    )
    runs = _runs(pks)
    with connection.cursor() as cursor:
        for chunk in chunked(runs, RUNS_PER_STATEMENT):
            where = " OR ".join([f"{pk} BETWEEN %s AND %s"] * len(chunk))
            bounds = [bound for run in chunk for bound in run]
            cursor.execute(f"{head}{where} ORDER BY {pk}", [*params, *bounds])
