"""Partner settlements (정산 내역): transfer status advance, aggregation of SETTLED transfers,
deletion, manual status changes and payout completion. domain.md §7.3, §8.1, §8.2, §12.17–§12.19.

What this module must NOT do:
* loop over transfers in Python — every step touching transfers is one SQL statement over the
  set, so a day of 10^6 transfers costs one pass (bench/gather_partner_settlements.py);
* compute money — settlement totals are plain column sums of the transfers' amounts, which
  settlements.calculation produced;
* know about HTTP — errors are core.errors.ApiError with the SDK's types; the API and the admin
  translate them.

Concurrency: every writer of partner settlements (gather, recompute, delete, manual status change,
payout completion) first calls `lock_partner_settlements()`, a transaction-scoped lock, so two
gathers never create the same settlement twice and a payout never claims a settlement while a
gather is adding transfers to it. On top of that, transfers are claimed with
`partner_settlement_id IS NULL` in the UPDATE itself and settlements are paid with a conditional
UPDATE (`status IN payable`), so even a writer that forgot the lock cannot double-assign or pay
twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from ulid import ULID

from core.api.wire import graphql_id
from core.errors import ApiError, conflict, invalid_request
from core.history_sql import insert_history
from core.inputs import unique_list
from partners.models import Partner
from settlements.models import (
    AMOUNT_COLUMNS,
    DELETABLE_SETTLEMENT_STATUSES,
    MANUAL_SETTLEMENT_TRANSITIONS,
    OPEN_BUCKET_STATUS,
    PAYABLE_SETTLEMENT_STATUSES,
    PartnerSettlement,
    PartnerSettlementStatus,
    Transfer,
    TransferStatus,
    TransferType,
    settled_q,
)

# pg_advisory_xact_lock key shared by every process that writes partner settlements.
SETTLEMENT_LOCK_KEY = 0x5E77_1E_0001
# Keys (= target settlements) per assignment statement. SQLite binds at most 32,766 parameters
# (7 per key); PostgreSQL gets its parameters inlined by psycopg's client-side binding, so one
# statement can carry every key of a day.
SQLITE_KEY_CHUNK = 4_000
KEY_CHUNK = 50_000
# Until payouts have their own models, the bulk payout id of a completion is kept in the audit
# history of the paid settlements (history_change_reason, 100 characters).
BULK_PAYOUT_MARKER = "bulkPayout:"
BULK_PAYOUT_ID_MAX_LENGTH = 100 - len(BULK_PAYOUT_MARKER)

Key = tuple[bool, int, date, str, str, int]  # is_for_test, partner, date, type, currency, contract


def lock_partner_settlements() -> None:
    """Serialise writers of partner settlements until the current transaction ends.

    PostgreSQL: a transaction-scoped advisory lock (released by COMMIT/ROLLBACK, so a crashed
    worker never leaves it behind). SQLite: nothing to do — the project opens every transaction
    with BEGIN IMMEDIATE (settings.DATABASES OPTIONS), which already takes the database's single
    write lock.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("lock_partner_settlements() must be called inside transaction.atomic")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SETTLEMENT_LOCK_KEY])


def lock_transfer_creation() -> None:
    """The shared side of the settlement lock, for a transaction that puts new transfers into open
    buckets (`assign_open_buckets`). Any number of creators hold it together; a gather holds the
    exclusive side, so it never flips a bucket while a creator's transfer in it is uncommitted
    (that transfer would be missing from the settlement's totals). A creator must not ask for the
    exclusive side afterwards (two such creators would deadlock): transfers created SETTLED take
    the exclusive side from the start. SQLite: BEGIN IMMEDIATE already serialises writers.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("lock_transfer_creation() must be called inside transaction.atomic")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [SETTLEMENT_LOCK_KEY])


def _key_chunk() -> int:
    return SQLITE_KEY_CHUNK if connection.vendor == "sqlite" else KEY_CHUNK


def _id_chunk() -> int:
    """Ids per IN (...) list, leaving room for the keys in the same statement on SQLite."""
    return 1_000 if connection.vendor == "sqlite" else KEY_CHUNK


def new_partner_settlement_id() -> str:
    return str(ULID())


def _new_settlement(key: Key, status: str, now: datetime) -> PartnerSettlement:
    """An unsaved settlement (or open bucket) for an aggregation key (contract 0 = none)."""
    test, partner_id, day, type_, currency, contract_key = key
    return PartnerSettlement(
        public_id=new_partner_settlement_id(),
        is_for_test=test,
        partner_id=partner_id,
        settlement_date=day,
        settlement_type=type_,
        settlement_currency=currency,
        contract_id=contract_key or None,
        status=status,
        status_updated_at=now,
    )


# --- transfer status ----------------------------------------------------------------------------


@transaction.atomic
def transfers_advance_statuses(*, today: date | None = None) -> dict[str, int]:
    """SCHEDULED -> IN_PROCESS once the settlement start date is reached (domain.md §7.3,
    §12.17): from then on the amounts and the date are final. "Today" is the KST date.

    IN_PROCESS -> SETTLED is not written: it follows from the settlement date alone
    (models.settled_q, Transfer.current_status), so the day's transfers are never rewritten for
    it. Only provisional transfers (created before their start date, and just recomputed) pass
    through here, and their history is not copied either: the change follows from the date.
    """
    today = today or timezone.localdate()
    started = Transfer.objects.filter(
        status=TransferStatus.SCHEDULED, settlement_start_date__lte=today
    ).update(status=TransferStatus.IN_PROCESS, updated_at=timezone.now())
    return {"in_process": started}


def settle_due(*, today: date | None = None) -> dict[str, int]:
    """The hourly job (and the admin's "정산 내역 생성(지금)"): recompute provisional transfers
    whose start date has come (§12.12), advance statuses, then gather."""
    from settlements.transfers import scheduled_transfers_recompute  # (it imports this module)

    recomputed = scheduled_transfers_recompute(today=today)
    result = transfers_advance_statuses(today=today)
    result["recomputed"] = recomputed
    result["gathered"] = partner_settlements_gather(today=today)
    return result


# --- open buckets -------------------------------------------------------------------------------
#
# A transfer created before its settlement date joins the open bucket of its key at once: a
# PartnerSettlement row with status OPEN_BUCKET_STATUS, which the API, the admin and payouts never
# see (PartnerSettlement.objects leaves it out). Gathering the day then flips buckets into
# PAYOUT_PREPARED settlements and sums their members (one read of the day's transfers), instead
# of rewriting every transfer row to point at its settlement: 10^6 transfers gather in seconds
# rather than a minute (bench/gather_partner_settlements.py). Transfers created already SETTLED
# one by one, and rows from before buckets existed, keep the unassigned path (`_gather`).


def transfer_key(transfer: Transfer) -> Key:
    """The aggregation key of a transfer (domain.md §8.1): MANUAL transfers settle without a
    contract, so their contract part is 0 like the buckets' `Coalesce(contract, 0)`."""
    contract = 0 if transfer.type == TransferType.MANUAL else (transfer.contract_id or 0)
    return (
        transfer.is_for_test,
        transfer.partner_id,
        transfer.settlement_date,
        transfer.type,
        transfer.settlement_currency,
        contract,
    )


_KEY_COLUMNS = (
    "is_for_test",
    "partner_id",
    "settlement_date",
    "settlement_type",
    "settlement_currency",
    "contract_key",
)


def _with_contract_key(qs: QuerySet) -> QuerySet:
    return qs.annotate(
        contract_key=Coalesce("contract_id", Value(0), output_field=BigIntegerField())
    )


def _find_open_buckets(keys: set[Key]) -> dict[Key, int]:
    """Read through the partial unique index (is_for_test, partner, date, ...) WHERE OPEN."""
    found: dict[Key, int] = {}
    for test in sorted({key[0] for key in keys}):
        dates = sorted({key[2] for key in keys if key[0] == test})
        partner_ids = sorted({key[1] for key in keys if key[0] == test})
        for chunk in _chunked(partner_ids, _id_chunk()):
            rows = _with_contract_key(
                PartnerSettlement.all_objects.filter(
                    status=OPEN_BUCKET_STATUS,
                    is_for_test=test,
                    partner_id__in=chunk,
                    settlement_date__in=dates,
                )
            ).values_list("id", *_KEY_COLUMNS)
            for pk, *key in rows:
                if tuple(key) in keys:
                    found[tuple(key)] = pk  # type: ignore[index]
    return found


def open_buckets(keys: Iterable[Key]) -> dict[Key, int]:
    """key -> pk of its open bucket, creating the missing ones. Two transactions creating the
    same key's bucket meet on the partial unique index `partner_settlement_open_bucket`: the
    second INSERT waits for the first and then skips (ON CONFLICT DO NOTHING / INSERT OR IGNORE)."""
    wanted = set(keys)
    found = _find_open_buckets(wanted)
    missing = sorted(wanted - found.keys(), key=repr)
    if missing:
        now = timezone.now()
        PartnerSettlement.all_objects.bulk_create(
            [_new_settlement(key, OPEN_BUCKET_STATUS, now) for key in missing],
            batch_size=2_000,
            ignore_conflicts=True,
        )
        found.update(_find_open_buckets(set(missing)))
    return found


def assign_open_buckets(transfers: Sequence[Transfer], *, settled_too: bool = False) -> None:
    """Put new (unsaved) transfers into the open buckets of their keys.

    SETTLED transfers are left unassigned unless `settled_too`: a bulk creator that gathers them
    right after the insert (`gather_created`) passes it and takes the exclusive lock for the whole
    write; everyone else takes the shared side (`lock_transfer_creation`).
    """
    todo = [t for t in transfers if settled_too or t.status != TransferStatus.SETTLED]
    if not todo:
        return
    if settled_too:
        lock_partner_settlements()
    else:
        lock_transfer_creation()
    buckets = open_buckets({transfer_key(t) for t in todo})
    for transfer in todo:
        transfer.partner_settlement_id = buckets[transfer_key(transfer)]


def _chunked(values: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass
class _OpenGathered:
    transfers: int = 0
    #: some SETTLED members left a bucket that still waits for others (they are unassigned now)
    detached: bool = False


def _move_members(moves: dict[int, int], now: datetime) -> None:
    """UPDATE ... FROM (VALUES bucket -> settlement): members of the buckets join settlements."""
    t = _q(Transfer._meta.db_table)
    pairs = sorted(moves.items())
    for chunk in _chunked(pairs, _id_chunk()):
        rows = ", ".join(["(%s, %s)"] * len(chunk))
        sql = f"""
            UPDATE {t}
            SET {_q("partner_settlement_id")} = k.column2, {_q("updated_at")} = %s
            FROM (VALUES {rows}) AS k
            WHERE {t}.{_q("partner_settlement_id")} = k.column1
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [now, *(value for pair in chunk for value in pair)])


def _gather_open(
    *,
    settlement_date: date | None = None,
    is_for_test: bool | None = None,
    today: date | None = None,
    bucket_ids: Sequence[int] | None = None,
) -> _OpenGathered:
    """Open buckets whose members are all SETTLED become partner settlements (caller holds the
    exclusive lock). Which buckets: `bucket_ids`, else those of `settlement_date`, else every
    bucket dated up to `today` (a member is SETTLED only from its settlement date on).

    * A bucket whose key already has a PAYOUT_PREPARED settlement (late transfers of a gathered
      day) hands its members to it — the same "join the prepared one" rule as `_gather` — and
      goes; otherwise it is flipped to PAYOUT_PREPARED and its totals summed from its members.
    * A bucket with members still SCHEDULED/IN_PROCESS waits; its SETTLED members (an explicit
      settlement date before their start date) leave it and are gathered unassigned.
    * A bucket left without members (its transfers were deleted) is dropped.
    """
    result = _OpenGathered()
    today = today or timezone.localdate()
    buckets = PartnerSettlement.all_objects.filter(status=OPEN_BUCKET_STATUS)
    if bucket_ids is not None:
        buckets = buckets.filter(pk__in=bucket_ids)
    elif settlement_date is not None:
        buckets = buckets.filter(settlement_date=settlement_date)
    else:
        buckets = buckets.filter(settlement_date__lte=today)
    if is_for_test is not None:
        buckets = buckets.filter(is_for_test=is_for_test)
    keys: dict[int, Key] = {
        pk: tuple(key)  # type: ignore[misc]
        for pk, *key in _with_contract_key(buckets).values_list("id", *_KEY_COLUMNS)
    }
    if not keys:
        return result
    now = timezone.now()
    dates = sorted({key[2] for key in keys.values()})
    waiting = keys.keys() & set(
        Transfer.objects.filter(
            Q(status=TransferStatus.SCHEDULED)
            | Q(status=TransferStatus.IN_PROCESS, settlement_date__gt=today),
            partner_settlement__status=OPEN_BUCKET_STATUS,
            settlement_date__in=dates,
        )
        .order_by()
        .values_list("partner_settlement_id", flat=True)
        .distinct()
    )
    for chunk in _chunked(sorted(waiting), _id_chunk()):
        result.detached |= bool(
            Transfer.objects.filter(settled_q(today), partner_settlement_id__in=chunk).update(
                partner_settlement=None, updated_at=now
            )
        )
    ready = {pk: key for pk, key in keys.items() if pk not in waiting}
    prepared = _prepared_settlements(set(ready.values()), dates)
    moves = {pk: prepared[key] for pk, key in ready.items() if key in prepared}
    flips = sorted(pk for pk, key in ready.items() if key not in prepared)

    if moves:
        _move_members(moves, now)
        joined = sorted(set(moves.values()))
        before = _transfer_count(joined)
        for chunk in _chunked(sorted(moves), _id_chunk()):
            PartnerSettlement.all_objects.filter(pk__in=chunk).delete()
        for chunk in _chunked(joined, _id_chunk()):
            _recompute_totals(chunk, now)
        result.transfers += _transfer_count(joined) - before
        _record_history(joined, "정산 내역 집계")
    if flips:
        totals = _bucket_totals(buckets, set(flips), dates)
        _write_totals(
            totals,
            status=PartnerSettlementStatus.PAYOUT_PREPARED,
            status_updated_at=now,
            created_at=now,
            updated_at=now,
        )
        empty = sorted(set(flips) - totals.keys())  # members deleted: still open, dropped
        for chunk in _chunked(empty, _id_chunk()):
            PartnerSettlement.all_objects.filter(pk__in=chunk).delete()
        count = _TOTAL_COLUMNS.index("transfer_count")
        result.transfers += sum(total[count] for total in totals.values())
        _record_history(totals, "정산 내역 생성", update=False)
    return result


_TOTAL_COLUMNS = (
    *AMOUNT_COLUMNS,
    "transfer_count",
    "settlement_start_date_from",
    "settlement_start_date_until",
)


def _bucket_totals(buckets: QuerySet, wanted: set[int], dates: Sequence[date]) -> dict[int, tuple]:
    """bucket pk -> (17 amount sums, count, first start date, last start date) of the members of
    the `buckets` (a queryset of open buckets), for the pks in `wanted`.

    A SELECT of its own, not part of an UPDATE: PostgreSQL runs a plain SELECT with parallel
    workers (never a data-modifying statement), which halves the one read of a day's 10^6
    transfers on two cores; the few thousand result rows go back in `_write_totals`. The
    buckets are joined as a subquery so the planner hashes them (an IN list of 10^4 ids made it
    walk the foreign-key index: random heap reads, 3x slower). Status and dates change nothing
    for the wanted buckets (all their members are SETTLED, on the bucket's date) but let a table
    holding years of transfers be read through (status, settlement_date) for just the day
    (IN_PROCESS: SETTLED by date, models.settled_q).
    """
    t = _q(Transfer._meta.db_table)
    subquery, params = buckets.order_by().values("id").query.sql_with_params()
    sums = ", ".join(f"SUM({t}.{_q(c)})" for c in AMOUNT_COLUMNS)
    start = f"{t}.{_q('settlement_start_date')}"
    sql = f"""
        SELECT {t}.{_q("partner_settlement_id")}, {sums}, COUNT(*), MIN({start}), MAX({start})
        FROM {t}
        WHERE {t}.{_q("partner_settlement_id")} IN ({subquery})
          AND {t}.{_q("status")} IN (%s, %s) AND {t}.{_q("settlement_date")} IN ({_marks(dates)})
        GROUP BY {t}.{_q("partner_settlement_id")}
    """
    params = (*params, TransferStatus.SETTLED, TransferStatus.IN_PROCESS, *dates)
    counted = len(AMOUNT_COLUMNS) + 1
    with connection.cursor() as cursor, _statement_settings(cursor, work_mem="256MB", jit="off"):
        cursor.execute(sql, params)
        return {
            row[0]: (*(int(v) for v in row[1 : counted + 1]), *row[counted + 1 :])
            for row in cursor.fetchall()
            if row[0] in wanted
        }


def _write_totals(totals: dict[int, tuple], **also: Any) -> None:
    """Set the settlements' totals (every column of _TOTAL_COLUMNS) by pk, and the columns in
    `also` to the same value on every row, in the same statement.

    PostgreSQL: one UPDATE ... FROM unnest(one array per column) — 10^4 rows in ~0.1 s, where a
    VALUES list of the same rows took 1.6 s to bind and plan. SQLite: VALUES lists in chunks
    (at most 32,766 parameters a statement).
    """
    if not totals:
        return
    ps = _q(PartnerSettlement._meta.db_table)
    rows = sorted(totals.items())
    sets = ", ".join(f"{_q(c)} = k.{_q(c)}" for c in _TOTAL_COLUMNS)
    fixed = ", ".join(f"{_q(PartnerSettlement._meta.get_field(name).column)} = %s" for name in also)
    if connection.vendor == "postgresql":
        types = ["bigint"] * (len(AMOUNT_COLUMNS) + 2) + ["date", "date"]
        arrays = ", ".join(f"%s::{type_}[]" for type_ in types)
        names = ", ".join(_q(c) for c in ("id", *_TOTAL_COLUMNS))
        columns = [list(c) for c in zip(*((pk, *total) for pk, total in rows), strict=True)]
        sql = f"""
            UPDATE {ps} SET {sets}, {fixed}
            FROM unnest({arrays}) AS k({names})
            WHERE {ps}.{_q("id")} = k.{_q("id")}
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [*also.values(), *columns])
        return
    width = 1 + len(_TOTAL_COLUMNS)
    positional = ", ".join(f"{_q(c)} = k.column{i + 2}" for i, c in enumerate(_TOTAL_COLUMNS))
    for chunk in _chunked(rows, 30_000 // width):
        values = ", ".join([f"({', '.join(['%s'] * width)})"] * len(chunk))
        sql = f"""
            UPDATE {ps} SET {positional}, {fixed}
            FROM (VALUES {values}) AS k
            WHERE {ps}.{_q("id")} = k.column1
        """
        params: list[Any] = [value for pk, total in chunk for value in (pk, *total)]
        with connection.cursor() as cursor:
            cursor.execute(sql, [*also.values(), *params])


def _transfer_count(settlement_ids: Sequence[int]) -> int:
    return sum(
        PartnerSettlement.objects.filter(pk__in=chunk).aggregate(n=Sum("transfer_count"))["n"] or 0
        for chunk in _chunked(settlement_ids, _id_chunk())
    )


def _prepared_settlements(keys: set[Key], dates: Sequence[date]) -> dict[Key, int]:
    """key -> the PAYOUT_PREPARED settlement with the lowest id, for these keys. A WITHHELD,
    FAILED, … settlement with the same key is never joined (domain.md §8.1, §12.18)."""
    targets: dict[Key, int] = {}
    if not keys:
        return targets
    prepared = (
        _with_contract_key(
            PartnerSettlement.objects.filter(
                status=PartnerSettlementStatus.PAYOUT_PREPARED, settlement_date__in=dates
            )
        )
        .order_by("-id")  # the lowest id wins: it is written last
        .values_list("id", *_KEY_COLUMNS)
    )
    for pk, *key in prepared:
        if tuple(key) in keys:
            targets[tuple(key)] = pk  # type: ignore[index]
    return targets


# --- gather -------------------------------------------------------------------------------------


def _transfer_contract_key() -> Case:
    """The contract part of the aggregation key: only ORDER/ORDER_CANCEL settle per contract
    (domain.md §8.1); 0 stands for "no contract" so the key compares with `=` in SQL."""
    return Case(
        When(type=TransferType.MANUAL, then=Value(0)),
        default=Coalesce("contract_id", Value(0)),
        output_field=BigIntegerField(),
    )


def _pending_transfers(
    *,
    settlement_date: date | None,
    is_for_test: bool | None,
    transfer_ids: Sequence[int] | None,
    today: date,
) -> QuerySet:
    qs = Transfer.objects.filter(settled_q(today), partner_settlement__isnull=True)
    if settlement_date is not None:
        qs = qs.filter(settlement_date=settlement_date)
    if is_for_test is not None:
        qs = qs.filter(is_for_test=is_for_test)
    if transfer_ids is not None:
        qs = qs.filter(pk__in=transfer_ids)
    return qs


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _marks(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def _assignment_update(
    *,
    targets: Sequence[tuple[Key, int]],
    is_for_test: bool | None,
    transfer_ids: Sequence[int] | None,
    now: datetime,
    today: date,
) -> tuple[str, list[Any]]:
    """UPDATE ... FROM (VALUES key -> target): every unassigned SETTLED transfer takes the id of
    the target settlement of its key. `partner_settlement_id IS NULL` in the WHERE clause is the
    claim: a transfer another transaction assigned first (and committed) is skipped, never
    reassigned. The keys travel as a VALUES list, so the statement is one pass over the transfers
    whatever the number of keys."""
    t = _q(Transfer._meta.db_table)
    dates = sorted({key[2] for key, _ in targets})
    rows = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(targets))
    # VALUES columns are named column1..column7 on both PostgreSQL and SQLite.
    sql = f"""
        UPDATE {t}
        SET {_q("partner_settlement_id")} = k.column7, {_q("updated_at")} = %s
        FROM (VALUES {rows}) AS k
        WHERE ({t}.{_q("status")} = %s
               OR ({t}.{_q("status")} = %s AND {t}.{_q("settlement_date")} <= %s))
          AND {t}.{_q("partner_settlement_id")} IS NULL
          AND {t}.{_q("settlement_date")} IN ({_marks(dates)})
          AND {t}.{_q("is_for_test")} = k.column1
          AND {t}.{_q("partner_id")} = k.column2
          AND {t}.{_q("settlement_date")} = k.column3
          AND {t}.{_q("type")} = k.column4
          AND {t}.{_q("settlement_currency")} = k.column5
          AND CASE WHEN {t}.{_q("type")} = %s THEN 0
                   ELSE COALESCE({t}.{_q("contract_id")}, 0) END = k.column6
    """
    params: list[Any] = [now]
    for key, target in targets:
        params.extend((*key, target))
    params.extend(
        [TransferStatus.SETTLED, TransferStatus.IN_PROCESS, today, *dates, TransferType.MANUAL]
    )
    if is_for_test is not None:
        sql += f" AND {t}.{_q('is_for_test')} = %s"
        params.append(is_for_test)
    if transfer_ids is not None:
        sql += f" AND {t}.{_q('id')} IN ({_marks(transfer_ids)})"
        params.extend(transfer_ids)
    return sql, params


def _assign_and_total(
    *,
    targets: Sequence[tuple[Key, int]],
    is_for_test: bool | None,
    transfer_ids: Sequence[int] | None,
    now: datetime,
    today: date,
) -> int:
    """Assign the pending transfers to their targets and bring the targets' totals up to date;
    returns the number of transfers assigned.

    PostgreSQL: one statement — the assignment runs in a data-modifying CTE whose RETURNING rows
    (exactly the transfers this statement claimed) are summed per settlement and added to the
    settlements' totals, so the transfers are read once. Elsewhere (SQLite): the assignment, then
    `_recompute_totals` of the targets from all their members.
    """
    update, params = _assignment_update(
        targets=targets, is_for_test=is_for_test, transfer_ids=transfer_ids, now=now, today=today
    )
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(update, params)
            assigned = cursor.rowcount
        _recompute_totals([pk for _, pk in targets], now)
        return assigned

    t, ps = _q(Transfer._meta.db_table), _q(PartnerSettlement._meta.db_table)
    # The settlement_date condition below is redundant (the targets have these dates) but lets the
    # hash join read only the day's settlements instead of the whole table.
    dates = sorted({key[2] for key, _ in targets})
    returning = ", ".join(
        f"{t}.{_q(c)}" for c in ("partner_settlement_id", *AMOUNT_COLUMNS, "settlement_start_date")
    )
    sums = ", ".join(f"SUM({_q(c)}) AS {_q(c)}" for c in AMOUNT_COLUMNS)
    adds = ", ".join(f"{_q(c)} = {ps}.{_q(c)} + m.{_q(c)}" for c in AMOUNT_COLUMNS)
    start = _q("settlement_start_date")
    sql = f"""
        WITH moved AS ({update} RETURNING {returning}),
        totals AS (
            SELECT {_q("partner_settlement_id")} AS sid, {sums}, COUNT(*) AS n,
                   MIN({start}) AS start_from, MAX({start}) AS start_until
            FROM moved GROUP BY {_q("partner_settlement_id")}
        ),
        added AS (
            UPDATE {ps}
            SET {adds},
                {_q("transfer_count")} = {ps}.{_q("transfer_count")} + m.n,
                {_q("settlement_start_date_from")} =
                    LEAST({ps}.{_q("settlement_start_date_from")}, m.start_from),
                {_q("settlement_start_date_until")} =
                    GREATEST({ps}.{_q("settlement_start_date_until")}, m.start_until),
                {_q("updated_at")} = %s
            FROM totals AS m
            WHERE {ps}.{_q("id")} = m.sid AND {ps}.{_q("settlement_date")} IN ({_marks(dates)})
            RETURNING m.n
        )
        SELECT COALESCE(SUM(n), 0) FROM added
    """
    with connection.cursor() as cursor, _bulk_statement_settings(cursor):
        cursor.execute(sql, [*params, now, *dates])
        return int(cursor.fetchone()[0])


@contextmanager
def _statement_settings(cursor, **settings: str) -> Iterator[None]:
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


def _bulk_statement_settings(cursor):
    """For the one big statement of `_assign_and_total`:

    * no nested loops — the planner cannot estimate a VALUES list joined on six columns (it
      guesses one row) and would look the transfers up key by key, which takes minutes for 10^6
      transfers; with a hash join the transfers are read once;
    * work_mem large enough to sum 10^6 returned rows per settlement in memory, not on disk.
    """
    return _statement_settings(cursor, enable_nestloop="off", work_mem="256MB")


def _recompute_totals(settlement_ids: Sequence[int], now: datetime) -> None:
    """One UPDATE ... FROM (aggregate): totals, count and start-date range of the given
    settlements from their member transfers (field-wise SUM; ORDER_CANCEL amounts are positive
    magnitudes, MANUAL amounts signed, domain.md §8.1). Settlements without members are not
    touched here (see partner_settlements_recompute)."""
    t, ps = _q(Transfer._meta.db_table), _q(PartnerSettlement._meta.db_table)
    sums = ", ".join(f"SUM({_q(c)}) AS {_q(c)}" for c in AMOUNT_COLUMNS)
    sets = ", ".join(f"{_q(c)} = s.{_q(c)}" for c in AMOUNT_COLUMNS)
    sql = f"""
        UPDATE {ps}
        SET {sets},
            {_q("transfer_count")} = s.n,
            {_q("settlement_start_date_from")} = s.start_from,
            {_q("settlement_start_date_until")} = s.start_until,
            {_q("updated_at")} = %s
        FROM (
            SELECT {_q("partner_settlement_id")} AS sid, {sums}, COUNT(*) AS n,
                   MIN({_q("settlement_start_date")}) AS start_from,
                   MAX({_q("settlement_start_date")}) AS start_until
            FROM {t}
            WHERE {_q("partner_settlement_id")} IN ({_marks(settlement_ids)})
            GROUP BY {_q("partner_settlement_id")}
        ) AS s
        WHERE {ps}.{_q("id")} = s.sid
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, *settlement_ids])


def _record_history(settlement_ids: Iterable[int], reason: str, *, update: bool = True) -> None:
    """Audit rows for settlements written by set-based statements (which bypass save()); open
    buckets get none (they are no settlements yet)."""
    ids = sorted(set(settlement_ids))
    visible = [
        pk
        for chunk in _chunked(ids, _id_chunk())
        for pk in PartnerSettlement.objects.filter(pk__in=chunk).values_list("pk", flat=True)
    ]
    insert_history(PartnerSettlement, visible, history_type="~" if update else "+", reason=reason)


def _gather(
    *,
    settlement_date: date | None = None,
    is_for_test: bool | None = None,
    transfer_ids: Sequence[int] | None = None,
    today: date | None = None,
) -> int:
    """1. the distinct keys of the pending transfers (one GROUP BY);
    2. per key, the PAYOUT_PREPARED settlement with the lowest id, or a new one (bulk_create of
       only the missing rows — settlements are few compared to transfers); a WITHHELD/FAILED/…
       settlement with the same key is never joined (domain.md §8.1, §12.18);
    3. one UPDATE assigning the transfers to their key's target, and the targets' totals brought
       up to date — on PostgreSQL in the same statement (the claimed rows' amounts are added),
       elsewhere by recomputing the targets from all their members (`_assign_and_total`).
    """
    lock_partner_settlements()
    today = today or timezone.localdate()
    pending = _pending_transfers(
        settlement_date=settlement_date,
        is_for_test=is_for_test,
        transfer_ids=transfer_ids,
        today=today,
    )
    keys: set[Key] = set(
        pending.annotate(contract_key=_transfer_contract_key())
        .order_by()
        .values_list(
            "is_for_test",
            "partner_id",
            "settlement_date",
            "type",
            "settlement_currency",
            "contract_key",
        )
        .distinct()
    )
    if not keys:
        return 0
    dates = sorted({key[2] for key in keys})
    now = timezone.now()

    targets = _prepared_settlements(keys, dates)
    missing = sorted(keys - set(targets), key=repr)
    created = PartnerSettlement.objects.bulk_create(
        [_new_settlement(key, PartnerSettlementStatus.PAYOUT_PREPARED, now) for key in missing]
    )
    for key, settlement in zip(missing, created, strict=True):
        targets[key] = settlement.pk

    pairs = sorted(targets.items(), key=lambda pair: pair[1])
    assigned = 0
    for start in range(0, len(pairs), _key_chunk()):
        chunk = pairs[start : start + _key_chunk()]
        assigned += _assign_and_total(
            targets=chunk,
            is_for_test=is_for_test,
            transfer_ids=transfer_ids,
            now=now,
            today=today,
        )
    target_ids = [pk for _, pk in pairs]
    # A new settlement whose transfers vanished between steps 1 and 3 (deleted by a writer that
    # does not take the lock) would stay empty: drop it.
    created_ids = {s.pk for s in created}
    PartnerSettlement.objects.filter(pk__in=created_ids, transfer_count=0).delete()
    _record_history(created_ids, "정산 내역 생성", update=False)
    _record_history(set(target_ids) - created_ids, "정산 내역 집계")
    return assigned


@transaction.atomic
def partner_settlements_gather(
    *,
    settlement_date: date | None = None,
    is_for_test: bool | None = None,
    today: date | None = None,
) -> int:
    """Aggregate SETTLED transfers into partner settlements: first the open buckets whose members
    are all SETTLED (`_gather_open`; without `settlement_date`, those dated up to `today`, the KST
    date), then the SETTLED transfers without a settlement (`_gather`).

    Key = (isForTest, partner, settlementDate, type, contract [ORDER/ORDER_CANCEL], currency).
    Returns the number of transfers gathered. Idempotent: a second run finds nothing pending.
    """
    lock_partner_settlements()
    opened = _gather_open(settlement_date=settlement_date, is_for_test=is_for_test, today=today)
    return opened.transfers + _gather(
        settlement_date=settlement_date, is_for_test=is_for_test, today=today
    )


@transaction.atomic
def gather_created(transfers: Sequence[Transfer]) -> int:
    """Gather the SETTLED ones of transfers a bulk creator just inserted, after
    `assign_open_buckets(..., settled_too=True)`: their buckets, then any left unassigned."""
    settled = [t for t in transfers if t.status == TransferStatus.SETTLED]
    if not settled:
        return 0
    lock_partner_settlements()
    buckets = sorted({t.partner_settlement_id for t in settled if t.partner_settlement_id})
    gathered, detached = 0, False
    for chunk in _chunked(buckets, _id_chunk()):
        opened = _gather_open(bucket_ids=chunk)
        gathered += opened.transfers
        detached |= opened.detached
    rest = [t.pk for t in settled if detached or not t.partner_settlement_id]
    return gathered + (gather_now_for(rest) if rest else 0)


@transaction.atomic
def gather_now_for(transfer_ids: Iterable[int]) -> int:
    """Gather just these transfers (by pk) — for manual transfers, whose partner settlement
    appears immediately (domain.md §7.3, §8.1). Transfers that are not SETTLED are skipped."""
    ids = sorted(set(transfer_ids))
    if not ids:
        return 0
    return sum(
        _gather(transfer_ids=ids[start : start + _id_chunk()])
        for start in range(0, len(ids), _id_chunk())
    )


@transaction.atomic
def partner_settlements_recompute(ids: Iterable[int]) -> int:
    """Recompute totals of these settlements (by pk) from their current members, e.g. after a
    member transfer was deleted. A settlement left without members is deleted when its status
    allows (it would show a zero line otherwise), and so is an empty open bucket. Returns the
    number of settlements deleted (buckets included)."""
    pks = sorted(set(ids))
    if not pks:
        return 0
    lock_partner_settlements()
    now = timezone.now()
    deleted = 0
    for start in range(0, len(pks), _id_chunk()):
        chunk = pks[start : start + _id_chunk()]
        PartnerSettlement.all_objects.filter(pk__in=chunk).update(
            **dict.fromkeys(AMOUNT_COLUMNS, 0),
            transfer_count=0,
            settlement_start_date_from=None,
            settlement_start_date_until=None,
            updated_at=now,
        )
        _recompute_totals(chunk, now)
        deleted += (
            PartnerSettlement.all_objects.filter(
                pk__in=chunk,
                transfer_count=0,
                status__in=(*DELETABLE_SETTLEMENT_STATUSES, OPEN_BUCKET_STATUS),
            )
            .delete()[1]
            .get(PartnerSettlement._meta.label, 0)
        )
    _record_history(pks, "정산 내역 재계산")
    return deleted


# --- delete -------------------------------------------------------------------------------------


def _ids_error(type_: str, message: str, status: int, ids: list[str]) -> ApiError:
    return ApiError(
        type_,
        f"{message}: {', '.join(ids)}",
        status,
        ids=ids,
        graphqlIds=[graphql_id("partner_settlement", i) for i in ids],
    )


def _load_for_update(public_ids: list[str], is_for_test: bool) -> list[PartnerSettlement]:
    """The settlements in request order, locked; 404 with every unknown id."""
    rows = {
        s.public_id: s
        for s in PartnerSettlement.objects.select_for_update().filter(
            is_for_test=is_for_test, public_id__in=public_ids
        )
    }
    missing = [i for i in public_ids if i not in rows]
    if missing:
        raise _ids_error(
            "PLATFORM_PARTNER_SETTLEMENTS_NOT_FOUND", "정산 내역을 찾을 수 없습니다", 404, missing
        )
    return [rows[i] for i in public_ids]


@transaction.atomic
def partner_settlements_delete(*, public_ids: Sequence[str], is_for_test: bool) -> int:
    """Delete settlements and hard-delete their member transfers; all or nothing (domain.md §8.1).

    Refused when a settlement is not in a deletable status, or when a member ORDER transfer is
    the original of a cancel transfer that is not deleted with it (the cancel would lose its
    order). Returns the number of transfers deleted.
    """
    ids = unique_list(public_ids)
    if not ids:
        raise invalid_request("partnerSettlementIds: 삭제할 정산 내역을 하나 이상 지정하세요.")
    lock_partner_settlements()
    settlements = _load_for_update(ids, is_for_test)
    non_deletable = [
        s.public_id for s in settlements if s.status not in DELETABLE_SETTLEMENT_STATUSES
    ]
    if non_deletable:
        raise _ids_error(
            "PLATFORM_NON_DELETABLE_PARTNER_SETTLEMENTS",
            "삭제할 수 없는 상태의 정산 내역입니다",
            400,
            non_deletable,
        )
    pks = [s.pk for s in settlements]
    cancels_elsewhere = Transfer.objects.filter(original_id=OuterRef("pk")).exclude(
        partner_settlement_id__in=pks
    )
    referenced = list(
        Transfer.objects.filter(partner_settlement_id__in=pks, type=TransferType.ORDER)
        .filter(Exists(cancels_elsewhere))
        .order_by("public_id")
        .values_list("public_id", flat=True)
    )
    if referenced:
        raise ApiError(
            "PLATFORM_REFERENCED_CANCEL_ORDER_TRANSFERS_EXIST",
            "삭제할 정산 내역 밖의 취소 정산건이 참조하는 주문 정산건이 있습니다: "
            + ", ".join(referenced),
            400,
            ids=referenced,
        )
    members = Transfer.objects.filter(partner_settlement_id__in=pks)
    # Cancel transfers first: `original` is PROTECT, so their orders can go only afterwards.
    deleted = members.filter(original__isnull=False).delete()[0]
    deleted += members.delete()[0]
    PartnerSettlement.objects.filter(pk__in=pks).delete()
    return deleted


# --- manual status changes ----------------------------------------------------------------------


@transaction.atomic
def partner_settlement_set_status(
    *, settlement: PartnerSettlement, status: str, memo: str | None = None
) -> PartnerSettlement:
    """지급 보류 / 보류 해제 / 지급 제외 by staff, only along MANUAL_SETTLEMENT_TRANSITIONS
    (domain.md §8.1). A settlement taken by a payout (CONFIRMED and later) cannot change here."""
    lock_partner_settlements()
    current = PartnerSettlement.objects.select_for_update().get(pk=settlement.pk)
    if status not in MANUAL_SETTLEMENT_TRANSITIONS.get(current.status, ()):
        raise invalid_request(
            f"정산 내역 {current.public_id}: '{current.get_status_display()}' 상태에서 "
            f"'{PartnerSettlementStatus(status).label}'(으)로 바꿀 수 없습니다."
        )
    current.status = status
    current.status_updated_at = timezone.now()
    fields = ["status", "status_updated_at", "updated_at"]
    if memo is not None:
        current.memo = memo
        fields.append("memo")
    current.save(update_fields=fields)
    return current


# --- payout completion --------------------------------------------------------------------------


def _bulk_payout_marker(bulk_payout_id: str) -> str:
    return f"{BULK_PAYOUT_MARKER}{bulk_payout_id}"


def bulk_payout_settlement_ids(bulk_payout_id: str, *, is_for_test: bool) -> QuerySet:
    """pks of the settlements a bulk payout completed (read from their audit history)."""
    return (
        PartnerSettlement.history.filter(
            is_for_test=is_for_test, history_change_reason=_bulk_payout_marker(bulk_payout_id)
        )
        .values("id")
        .distinct()
    )


def _completion_time(completed_at: date | None) -> datetime:
    if completed_at is None or completed_at == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.combine(completed_at, time.min))


@transaction.atomic
def payout_complete_by_partner_settlement_ids(
    *,
    public_ids: Sequence[str],
    is_for_test: bool,
    bulk_payout_id: str | None = None,
    name: str | None = None,
    completed_at: date | None = None,
) -> dict[str, Any]:
    """일괄 지급 완료 처리: mark payable settlements PAID_OUT, and with them their transfers
    (money was sent outside this system). `POST /platform/partner-settlements/complete-payout`.

    Checks, in order: something selected; no duplicates; bulk payout id unused; every id known;
    every settlement payable (PAYOUT_PREPARED/PAYOUT_FAILED); no partner × currency with a negative
    net (Σ ORDER + Σ MANUAL − Σ ORDER_CANCEL, domain.md §8.2 — PortOne's error type for it is
    PLATFORM_CURRENCY_NOT_SUPPORTED). The settlements are then claimed with a conditional UPDATE,
    so a retried or concurrent call can never pay the same settlement twice.

    `name` (the bulk payout's name) is accepted for the API but not stored until bulk payouts get
    their own model.
    """
    ids = list(public_ids)
    if not ids:
        raise ApiError(
            "PLATFORM_NO_SELECTED_PARTNER_SETTLEMENTS", "지급할 정산 내역을 선택하세요.", 400
        )
    if len(set(ids)) != len(ids):
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        raise ApiError(
            "PLATFORM_DUPLICATED_PARTNER_SETTLEMENT_IDS",
            f"정산 내역 아이디가 중복됩니다: {', '.join(duplicated)}",
            400,
        )
    if bulk_payout_id is not None and len(bulk_payout_id) > BULK_PAYOUT_ID_MAX_LENGTH:
        raise invalid_request(f"bulkPayoutId: {BULK_PAYOUT_ID_MAX_LENGTH}자 이하여야 합니다.")
    lock_partner_settlements()
    if (
        bulk_payout_id is not None
        and bulk_payout_settlement_ids(bulk_payout_id, is_for_test=is_for_test).exists()
    ):
        raise conflict(
            "PLATFORM_BULK_PAYOUT_ID_ALREADY_EXISTS",
            f"이미 사용된 일괄 지급 아이디입니다: {bulk_payout_id}",
        )
    settlements = _load_for_update(ids, is_for_test)
    non_payable = [s.public_id for s in settlements if s.status not in PAYABLE_SETTLEMENT_STATUSES]
    if non_payable:
        raise _ids_error(
            "PLATFORM_NON_PAYABLE_PARTNER_SETTLEMENTS",
            "지급할 수 없는 상태의 정산 내역입니다",
            400,
            non_payable,
        )
    net: dict[tuple[int, str], int] = defaultdict(int)
    for s in settlements:
        sign = -1 if s.settlement_type == TransferType.ORDER_CANCEL else 1
        net[(s.partner_id, s.settlement_currency)] += sign * s.amount_settlement
    negative = sorted(key for key, amount in net.items() if amount < 0)
    if negative:
        partner_ids = dict(
            Partner.objects.filter(pk__in=[partner for partner, _ in negative]).values_list(
                "pk", "public_id"
            )
        )
        detail = ", ".join(
            f"{partner_ids[partner]} {currency} {net[(partner, currency)]}"
            for partner, currency in negative
        )
        raise ApiError(
            "PLATFORM_CURRENCY_NOT_SUPPORTED",
            f"지급 금액의 총합이 음수인 파트너가 있습니다 (상계 후 지급 불가): {detail}",
            400,
        )

    now = timezone.now()
    when = _completion_time(completed_at)
    pks = [s.pk for s in settlements]
    claimed = PartnerSettlement.objects.filter(
        pk__in=pks, status__in=PAYABLE_SETTLEMENT_STATUSES
    ).update(status=PartnerSettlementStatus.PAID_OUT, status_updated_at=when, updated_at=now)
    if claimed != len(pks):  # only possible for a writer that skipped the lock: undo everything
        raise _ids_error(
            "PLATFORM_NON_PAYABLE_PARTNER_SETTLEMENTS",
            "다른 요청이 먼저 지급 처리한 정산 내역이 있습니다",
            400,
            [s.public_id for s in settlements],
        )
    # The member transfers read PAID_OUT from their settlement (models.SETTLEMENT_TRANSFER_STATUS):
    # no row of theirs is rewritten, however many there are.
    reason = _bulk_payout_marker(bulk_payout_id) if bulk_payout_id else "지급 완료 처리"
    _record_history(pks, reason)
    result: dict[str, Any] = {
        "payoutCount": len(net),
        "partnerSettlementCount": len(pks),
    }
    if bulk_payout_id is not None:
        result["bulkPayoutId"] = bulk_payout_id
        result["bulkPayoutGraphqlId"] = graphql_id("bulk_payout", bulk_payout_id)
    return result
