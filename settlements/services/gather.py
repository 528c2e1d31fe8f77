"""Gathering SETTLED transfers into partner settlements (정산 내역), the daily status advance of
provisional transfers, and recomputing a settlement's totals. docs/statuses.md, "Gathering".

What this module must NOT do:
* loop over transfers in Python — every step touching transfers is one SQL statement over the
  set, so a day of 10^6 transfers costs one pass (bench/gather_partner_settlements.py);
* compute money — settlement totals are plain column sums of the transfers' amounts, which
  settlements.domain.calculation produced.

On top of the lock (settlements.services.buckets), transfers are claimed with
`partner_settlement_id IS NULL` in the UPDATE itself, so even a writer that forgot the lock
cannot assign a transfer twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import BigIntegerField, Case, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.history_sql import insert_history
from core.iterables import chunked
from core.outbound import events as webhook_events
from core.outbound.services import emit_for as emit_webhook_for
from settlements.models import (
    AMOUNT_COLUMNS,
    DELETABLE_SETTLEMENT_STATUSES,
    OPEN_BUCKET_STATUS,
    PartnerSettlement,
    PartnerSettlementStatus,
    Transfer,
    TransferStatus,
    TransferType,
    settled_q,
)
from settlements.services.buckets import (
    KEY_COLUMNS,
    Key,
    lock_partner_settlements,
    new_settlement,
    with_contract_key,
)
from settlements.services.sql import (
    bulk_statement_settings,
    id_chunk,
    key_chunk,
    marks,
    quote,
    statement_settings,
)


@transaction.atomic
def transfers_advance_statuses(*, today: date | None = None) -> dict[str, int]:
    """SCHEDULED -> IN_PROCESS once the settlement start date is reached
    (docs/statuses.md#transfer-statuses, docs/statuses.md#gathering): from then on the amounts and
    the date are final. "Today" is the KST date.

    IN_PROCESS -> SETTLED is not written: it follows from the settlement date alone
    (models.settled_q, Transfer.status), so the day's transfers are never rewritten for
    it. Only provisional transfers (created before their start date, and just recomputed) pass
    through here, and their history is not copied either: the change follows from the date.
    """
    today = today or timezone.localdate()
    started = Transfer.objects.filter(
        stored_status=TransferStatus.SCHEDULED, settlement_start_date__lte=today
    ).update(stored_status=TransferStatus.IN_PROCESS, updated_at=timezone.now())
    return {"in_process": started}


@dataclass
class _OpenGathered:
    transfers: int = 0
    #: some SETTLED members left a bucket that still waits for others (they are unassigned now)
    detached: bool = False


def _move_members(moves: dict[int, int], now: datetime) -> None:
    """UPDATE ... FROM (VALUES bucket -> settlement): members of the buckets join settlements."""
    t = quote(Transfer._meta.db_table)
    pairs = sorted(moves.items())
    for chunk in chunked(pairs, id_chunk()):
        rows = ", ".join(["(%s, %s)"] * len(chunk))
        sql = f"""
            UPDATE {t}
            SET {quote("partner_settlement_id")} = k.column2, {quote("updated_at")} = %s
            FROM (VALUES {rows}) AS k
            WHERE {t}.{quote("partner_settlement_id")} = k.column1
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
        for pk, *key in with_contract_key(buckets).values_list("id", *KEY_COLUMNS)
    }
    if not keys:
        return result
    now = timezone.now()
    dates = sorted({key[2] for key in keys.values()})
    waiting = keys.keys() & set(
        Transfer.objects.filter(
            Q(stored_status=TransferStatus.SCHEDULED)
            | Q(stored_status=TransferStatus.IN_PROCESS, settlement_date__gt=today),
            partner_settlement__status=OPEN_BUCKET_STATUS,
            settlement_date__in=dates,
        )
        .order_by()
        .values_list("partner_settlement_id", flat=True)
        .distinct()
    )
    for chunk in chunked(sorted(waiting), id_chunk()):
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
        for chunk in chunked(sorted(moves), id_chunk()):
            PartnerSettlement.all_objects.filter(pk__in=chunk).delete()
        for chunk in chunked(joined, id_chunk()):
            recompute_totals(chunk, now)
        result.transfers += _transfer_count(joined) - before
        record_history(joined, "정산 내역 집계")
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
        for chunk in chunked(empty, id_chunk()):
            PartnerSettlement.all_objects.filter(pk__in=chunk).delete()
        count = _TOTAL_COLUMNS.index("transfer_count")
        result.transfers += sum(total[count] for total in totals.values())
        record_history(totals, "정산 내역 생성", update=False)
        # docs/webhooks.md#events: an open bucket becomes a settlement the API shows
        emit_webhook_for(
            webhook_events.PARTNER_SETTLEMENT_CREATED,
            PartnerSettlement,
            list(totals),
            entity="partner_settlement",
        )
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
    holding years of transfers be read through (stored_status, settlement_date) for just the day
    (IN_PROCESS: SETTLED by date, models.settled_q).
    """
    t = quote(Transfer._meta.db_table)
    subquery, params = buckets.order_by().values("id").query.sql_with_params()
    sums = ", ".join(f"SUM({t}.{quote(c)})" for c in AMOUNT_COLUMNS)
    start = f"{t}.{quote('settlement_start_date')}"
    sql = f"""
        SELECT {t}.{quote("partner_settlement_id")}, {sums}, COUNT(*), MIN({start}), MAX({start})
        FROM {t}
        WHERE {t}.{quote("partner_settlement_id")} IN ({subquery})
          AND {t}.{quote("stored_status")} IN (%s, %s)
          AND {t}.{quote("settlement_date")} IN ({marks(dates)})
        GROUP BY {t}.{quote("partner_settlement_id")}
    """
    params = (*params, TransferStatus.SETTLED, TransferStatus.IN_PROCESS, *dates)
    counted = len(AMOUNT_COLUMNS) + 1
    with connection.cursor() as cursor, statement_settings(cursor, work_mem="256MB", jit="off"):
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
    ps = quote(PartnerSettlement._meta.db_table)
    rows = sorted(totals.items())
    sets = ", ".join(f"{quote(c)} = k.{quote(c)}" for c in _TOTAL_COLUMNS)
    fixed = ", ".join(
        f"{quote(PartnerSettlement._meta.get_field(name).column)} = %s" for name in also
    )
    if connection.vendor == "postgresql":
        types = ["bigint"] * (len(AMOUNT_COLUMNS) + 2) + ["date", "date"]
        arrays = ", ".join(f"%s::{type_}[]" for type_ in types)
        names = ", ".join(quote(c) for c in ("id", *_TOTAL_COLUMNS))
        columns = [list(c) for c in zip(*((pk, *total) for pk, total in rows), strict=True)]
        sql = f"""
            UPDATE {ps} SET {sets}, {fixed}
            FROM unnest({arrays}) AS k({names})
            WHERE {ps}.{quote("id")} = k.{quote("id")}
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [*also.values(), *columns])
        return
    width = 1 + len(_TOTAL_COLUMNS)
    positional = ", ".join(f"{quote(c)} = k.column{i + 2}" for i, c in enumerate(_TOTAL_COLUMNS))
    for chunk in chunked(rows, 30_000 // width):
        values = ", ".join([f"({', '.join(['%s'] * width)})"] * len(chunk))
        sql = f"""
            UPDATE {ps} SET {positional}, {fixed}
            FROM (VALUES {values}) AS k
            WHERE {ps}.{quote("id")} = k.column1
        """
        params: list[Any] = [value for pk, total in chunk for value in (pk, *total)]
        with connection.cursor() as cursor:
            cursor.execute(sql, [*also.values(), *params])


def _transfer_count(settlement_ids: Sequence[int]) -> int:
    return sum(
        PartnerSettlement.objects.filter(pk__in=chunk).aggregate(n=Sum("transfer_count"))["n"] or 0
        for chunk in chunked(settlement_ids, id_chunk())
    )


def _prepared_settlements(keys: set[Key], dates: Sequence[date]) -> dict[Key, int]:
    """key -> the PAYOUT_PREPARED settlement with the lowest id, for these keys. A WITHHELD,
    FAILED, … settlement with the same key is never joined (docs/statuses.md#partner-settlements,
    docs/statuses.md#aggregation-key)."""
    targets: dict[Key, int] = {}
    if not keys:
        return targets
    prepared = (
        with_contract_key(
            PartnerSettlement.objects.filter(
                status=PartnerSettlementStatus.PAYOUT_PREPARED, settlement_date__in=dates
            )
        )
        .order_by("-id")  # the lowest id wins: it is written last
        .values_list("id", *KEY_COLUMNS)
    )
    for pk, *key in prepared:
        if tuple(key) in keys:
            targets[tuple(key)] = pk  # type: ignore[index]
    return targets


def _transfer_contract_key() -> Case:
    """The contract part of the aggregation key: only ORDER/ORDER_CANCEL settle per contract
    (docs/statuses.md#partner-settlements); 0 stands for "no contract" so the key compares with `=`
    in SQL."""
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
    t = quote(Transfer._meta.db_table)
    dates = sorted({key[2] for key, _ in targets})
    rows = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(targets))
    # VALUES columns are named column1..column7 on both PostgreSQL and SQLite.
    sql = f"""
        UPDATE {t}
        SET {quote("partner_settlement_id")} = k.column7, {quote("updated_at")} = %s
        FROM (VALUES {rows}) AS k
        WHERE ({t}.{quote("stored_status")} = %s
               OR ({t}.{quote("stored_status")} = %s AND {t}.{quote("settlement_date")} <= %s))
          AND {t}.{quote("partner_settlement_id")} IS NULL
          AND {t}.{quote("settlement_date")} IN ({marks(dates)})
          AND {t}.{quote("is_for_test")} = k.column1
          AND {t}.{quote("partner_id")} = k.column2
          AND {t}.{quote("settlement_date")} = k.column3
          AND {t}.{quote("type")} = k.column4
          AND {t}.{quote("settlement_currency")} = k.column5
          AND CASE WHEN {t}.{quote("type")} = %s THEN 0
                   ELSE COALESCE({t}.{quote("contract_id")}, 0) END = k.column6
    """
    params: list[Any] = [now]
    for key, target in targets:
        params.extend((*key, target))
    params.extend(
        [TransferStatus.SETTLED, TransferStatus.IN_PROCESS, today, *dates, TransferType.MANUAL]
    )
    if is_for_test is not None:
        sql += f" AND {t}.{quote('is_for_test')} = %s"
        params.append(is_for_test)
    if transfer_ids is not None:
        sql += f" AND {t}.{quote('id')} IN ({marks(transfer_ids)})"
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
    `recompute_totals` of the targets from all their members.
    """
    update, params = _assignment_update(
        targets=targets, is_for_test=is_for_test, transfer_ids=transfer_ids, now=now, today=today
    )
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(update, params)
            assigned = cursor.rowcount
        recompute_totals([pk for _, pk in targets], now)
        return assigned

    t, ps = quote(Transfer._meta.db_table), quote(PartnerSettlement._meta.db_table)
    # The settlement_date condition below is redundant (the targets have these dates) but lets the
    # hash join read only the day's settlements instead of the whole table.
    dates = sorted({key[2] for key, _ in targets})
    returned = ("partner_settlement_id", *AMOUNT_COLUMNS, "settlement_start_date")
    returning = ", ".join(f"{t}.{quote(c)}" for c in returned)
    sums = ", ".join(f"SUM({quote(c)}) AS {quote(c)}" for c in AMOUNT_COLUMNS)
    adds = ", ".join(f"{quote(c)} = {ps}.{quote(c)} + m.{quote(c)}" for c in AMOUNT_COLUMNS)
    start = quote("settlement_start_date")
    sql = f"""
        WITH moved AS ({update} RETURNING {returning}),
        totals AS (
            SELECT {quote("partner_settlement_id")} AS sid, {sums}, COUNT(*) AS n,
                   MIN({start}) AS start_from, MAX({start}) AS start_until
            FROM moved GROUP BY {quote("partner_settlement_id")}
        ),
        added AS (
            UPDATE {ps}
            SET {adds},
                {quote("transfer_count")} = {ps}.{quote("transfer_count")} + m.n,
                {quote("settlement_start_date_from")} =
                    LEAST({ps}.{quote("settlement_start_date_from")}, m.start_from),
                {quote("settlement_start_date_until")} =
                    GREATEST({ps}.{quote("settlement_start_date_until")}, m.start_until),
                {quote("updated_at")} = %s
            FROM totals AS m
            WHERE {ps}.{quote("id")} = m.sid AND {ps}.{quote("settlement_date")} IN ({marks(dates)})
            RETURNING m.n
        )
        SELECT COALESCE(SUM(n), 0) FROM added
    """
    with connection.cursor() as cursor, bulk_statement_settings(cursor):
        cursor.execute(sql, [*params, now, *dates])
        return int(cursor.fetchone()[0])


def recompute_totals(settlement_ids: Sequence[int], now: datetime) -> None:
    """One UPDATE ... FROM (aggregate): totals, count and start-date range of the given
    settlements from their member transfers (field-wise SUM; ORDER_CANCEL amounts are positive
    magnitudes, MANUAL amounts signed, docs/statuses.md#partner-settlements). Settlements without
    members are not touched here (see partner_settlements_recompute)."""
    t, ps = quote(Transfer._meta.db_table), quote(PartnerSettlement._meta.db_table)
    sums = ", ".join(f"SUM({quote(c)}) AS {quote(c)}" for c in AMOUNT_COLUMNS)
    sets = ", ".join(f"{quote(c)} = s.{quote(c)}" for c in AMOUNT_COLUMNS)
    sql = f"""
        UPDATE {ps}
        SET {sets},
            {quote("transfer_count")} = s.n,
            {quote("settlement_start_date_from")} = s.start_from,
            {quote("settlement_start_date_until")} = s.start_until,
            {quote("updated_at")} = %s
        FROM (
            SELECT {quote("partner_settlement_id")} AS sid, {sums}, COUNT(*) AS n,
                   MIN({quote("settlement_start_date")}) AS start_from,
                   MAX({quote("settlement_start_date")}) AS start_until
            FROM {t}
            WHERE {quote("partner_settlement_id")} IN ({marks(settlement_ids)})
            GROUP BY {quote("partner_settlement_id")}
        ) AS s
        WHERE {ps}.{quote("id")} = s.sid
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, *settlement_ids])


def record_history(settlement_ids: Iterable[int], reason: str, *, update: bool = True) -> None:
    """Audit rows for settlements written by set-based statements (which bypass save()); open
    buckets get none (they are no settlements yet)."""
    ids = sorted(set(settlement_ids))
    visible = [
        pk
        for chunk in chunked(ids, id_chunk())
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
    2. per key, the PAYOUT_PREPARED settlement with the lowest id, or a new one (bulk_create of only
       the missing rows — settlements are few compared to transfers); a WITHHELD/FAILED/… settlement
       with the same key is never joined (docs/statuses.md#partner-settlements,
       docs/statuses.md#aggregation-key);
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
        [new_settlement(key, PartnerSettlementStatus.PAYOUT_PREPARED, now) for key in missing]
    )
    for key, settlement in zip(missing, created, strict=True):
        targets[key] = settlement.pk

    pairs = sorted(targets.items(), key=lambda pair: pair[1])
    assigned = 0
    for chunk in chunked(pairs, key_chunk()):
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
    record_history(created_ids, "정산 내역 생성", update=False)
    emit_webhook_for(
        webhook_events.PARTNER_SETTLEMENT_CREATED,
        PartnerSettlement,
        created_ids,
        entity="partner_settlement",
    )
    record_history(set(target_ids) - created_ids, "정산 내역 집계")
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
    settled = [t for t in transfers if t.stored_status == TransferStatus.SETTLED]
    if not settled:
        return 0
    lock_partner_settlements()
    buckets = sorted({t.partner_settlement_id for t in settled if t.partner_settlement_id})
    gathered, detached = 0, False
    for chunk in chunked(buckets, id_chunk()):
        opened = _gather_open(bucket_ids=chunk)
        gathered += opened.transfers
        detached |= opened.detached
    rest = [t.pk for t in settled if detached or not t.partner_settlement_id]
    return gathered + (gather_now_for(rest) if rest else 0)


@transaction.atomic
def gather_now_for(transfer_ids: Iterable[int]) -> int:
    """Gather just these transfers (by pk) — for manual transfers, whose partner settlement
    appears immediately (docs/statuses.md#transfer-statuses, docs/statuses.md#partner-settlements).
    Transfers that are not SETTLED are skipped."""
    ids = sorted(set(transfer_ids))
    if not ids:
        return 0
    return sum(_gather(transfer_ids=chunk) for chunk in chunked(ids, id_chunk()))


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
    for chunk in chunked(pks, id_chunk()):
        PartnerSettlement.all_objects.filter(pk__in=chunk).update(
            **dict.fromkeys(AMOUNT_COLUMNS, 0),
            transfer_count=0,
            settlement_start_date_from=None,
            settlement_start_date_until=None,
            updated_at=now,
        )
        recompute_totals(chunk, now)
        deleted += (
            PartnerSettlement.all_objects.filter(
                pk__in=chunk,
                transfer_count=0,
                status__in=(*DELETABLE_SETTLEMENT_STATUSES, OPEN_BUCKET_STATUS),
            )
            .delete()[1]
            .get(PartnerSettlement._meta.label, 0)
        )
    record_history(pks, "정산 내역 재계산")
    return deleted
