"""Who may write partner settlements when, and the open buckets new transfers wait in.

Concurrency: every writer of partner settlements (gather, recompute, delete, manual status change,
payout) first calls `lock_partner_settlements()`, a transaction-scoped lock, so two gathers never
create the same settlement twice and a payout never claims a settlement while a gather is adding
transfers to it. Creators of transfers take its shared side (`lock_transfer_creation`).

Open buckets: a transfer created before its settlement date joins the open bucket of its
aggregation key at once — a PartnerSettlement row with status OPEN_BUCKET_STATUS, which the API,
the admin and payouts never see (PartnerSettlement.objects leaves it out). Gathering the day then
flips buckets into PAYOUT_PREPARED settlements and sums their members (one read of the day's
transfers), instead of rewriting every transfer row to point at its settlement: 10^6 transfers
gather in seconds rather than a minute (bench/gather_partner_settlements.py). Transfers created
already SETTLED one by one, and rows from before buckets existed, keep the unassigned path
(settlements.services.gather). docs/statuses.md, "Open buckets".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from django.db import connection
from django.db.models import BigIntegerField, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from ulid import ULID

from core.iterables import chunked
from settlements.models import (
    OPEN_BUCKET_STATUS,
    PartnerSettlement,
    Transfer,
    TransferStatus,
    TransferType,
)
from settlements.services.sql import id_chunk

# pg_advisory_xact_lock key shared by every process that writes partner settlements.
SETTLEMENT_LOCK_KEY = 0x5E77_1E_0001
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


def new_partner_settlement_id() -> str:
    return str(ULID())


def new_settlement(key: Key, status: str, now: datetime) -> PartnerSettlement:
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


def transfer_key(transfer: Transfer) -> Key:
    """The aggregation key of a transfer (docs/statuses.md#partner-settlements): MANUAL transfers
    settle without a contract, so their contract part is 0 like the buckets' `Coalesce(contract,
    0)`."""
    contract = 0 if transfer.type == TransferType.MANUAL else (transfer.contract_id or 0)
    return (
        transfer.is_for_test,
        transfer.partner_id,
        transfer.settlement_date,
        transfer.type,
        transfer.settlement_currency,
        contract,
    )


KEY_COLUMNS = (
    "is_for_test",
    "partner_id",
    "settlement_date",
    "settlement_type",
    "settlement_currency",
    "contract_key",
)


def with_contract_key(qs: QuerySet) -> QuerySet:
    return qs.annotate(
        contract_key=Coalesce("contract_id", Value(0), output_field=BigIntegerField())
    )


def _find_open_buckets(keys: set[Key]) -> dict[Key, int]:
    """Read through the partial unique index (is_for_test, partner, date, ...) WHERE OPEN."""
    found: dict[Key, int] = {}
    for test in sorted({key[0] for key in keys}):
        dates = sorted({key[2] for key in keys if key[0] == test})
        partner_ids = sorted({key[1] for key in keys if key[0] == test})
        for chunk in chunked(partner_ids, id_chunk()):
            rows = with_contract_key(
                PartnerSettlement.all_objects.filter(
                    status=OPEN_BUCKET_STATUS,
                    is_for_test=test,
                    partner_id__in=chunk,
                    settlement_date__in=dates,
                )
            ).values_list("id", *KEY_COLUMNS)
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
            [new_settlement(key, OPEN_BUCKET_STATUS, now) for key in missing],
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
    todo = [t for t in transfers if settled_too or t.stored_status != TransferStatus.SETTLED]
    if not todo:
        return
    if settled_too:
        lock_partner_settlements()
    else:
        lock_transfer_creation()
    buckets = open_buckets({transfer_key(t) for t in todo})
    for transfer in todo:
        transfer.partner_settlement_id = buckets[transfer_key(transfer)]
