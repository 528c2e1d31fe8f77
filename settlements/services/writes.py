"""How new transfers are written, whatever their kind: one is saved with its history row, many
are copied in one statement; both put each transfer into its place for gathering (the open
bucket of its key, or at once its partner settlement when it is already SETTLED)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.db import IntegrityError, connection, transaction

from core import pgcopy
from core.errors import Conflict
from core.iterables import chunked
from core.outbound import events as webhook_events
from core.outbound.services import emit as emit_webhook
from settlements.models import Transfer, TransferStatus
from settlements.services.buckets import assign_open_buckets
from settlements.services.gather import gather_created, gather_now_for
from settlements.services.rules import KEY_CHUNK, transfer_id_used

logger = logging.getLogger(__name__)

BATCH_SIZE = 2_000


def save_one(transfer: Transfer) -> Transfer:
    """Insert one new transfer: before its settlement date into its open bucket, already SETTLED
    into its partner settlement at once (docs/statuses.md, "Gathering")."""
    try:
        with transaction.atomic():
            assign_open_buckets([transfer])
            transfer.save()
    except IntegrityError:  # a concurrent request took the id between the check and the insert
        raise transfer_id_used(transfer.public_id) from None
    if transfer.stored_status == TransferStatus.SETTLED:
        gather_now_for([transfer.pk])
        transfer.refresh_from_db()
    _emit_created([transfer])
    return transfer


def _emit_created(transfers: list[Transfer]) -> None:
    """docs/webhooks.md#events: `platform.transfer.created`, sent once the transaction commits."""
    for mode in {t.is_for_test for t in transfers}:
        emit_webhook(
            webhook_events.TRANSFER_CREATED,
            [{"transferId": t.public_id} for t in transfers if t.is_for_test == mode],
            is_for_test=mode,
        )


def insert_many(
    transfers: list[Transfer], *, json_texts: Callable[[Transfer], dict[str, str]] | None = None
) -> None:
    """Insert new transfers in one go (no history rows), bucketed, the SETTLED ones gathered.

    `json_texts(transfer)`: JSON columns already serialised (see core.pgcopy.copy_objects)."""
    started = time.perf_counter()
    # Inserted (and so stored and numbered) by aggregation key: a bucket's members share pages
    # when it is summed, and `gather_now_for` (rows that leave their bucket) works through ids in
    # sorted chunks that each touch a settlement once (file order: 3x slower for 100k rows).
    by_key = sorted(transfers, key=lambda t: (t.partner_id, t.settlement_date, t.contract_id or 0))
    # Every row joins its key's open bucket; when some are SETTLED already (dated today or
    # earlier), under the exclusive settlement lock, and their buckets are gathered right after.
    settled = [t for t in transfers if t.stored_status == TransferStatus.SETTLED]
    assign_open_buckets(by_key, settled_too=bool(settled))
    bucketed = time.perf_counter()
    try:
        with transaction.atomic():
            _insert(by_key, json_texts)
    except IntegrityError:  # a concurrent request took one of the ids after our check
        raise Conflict(
            "PLATFORM_TRANSFER_ID_ALREADY_USED", "이미 사용된 정산건 아이디가 있습니다."
        ) from None
    inserted = time.perf_counter()
    _emit_created(transfers)
    if settled:
        gather_created(settled)
        by_pk = {t.pk: t for t in settled}
        for chunk in chunked(list(by_pk), KEY_CHUNK):
            for pk, settlement_id in Transfer.objects.filter(pk__in=chunk).values_list(
                "pk", "partner_settlement_id"
            ):
                by_pk[pk].partner_settlement_id = settlement_id
    done = time.perf_counter()
    logger.info(
        "new transfers: buckets %.2f s, %d transfers %.2f s, gather %d %.2f s",
        bucketed - started,
        len(transfers),
        inserted - bucketed,
        len(settled),
        done - inserted,
        extra={
            "phases": {
                "buckets_s": bucketed - started,
                "insert_s": inserted - bucketed,
                "gather_s": done - inserted,
            }
        },
    )


def _insert(
    transfers: list[Transfer], json_texts: Callable[[Transfer], dict[str, str]] | None
) -> None:
    """`bulk_create` (batches of 2,000); on PostgreSQL a COPY instead.

    Why COPY: Django 5.2 sends a PostgreSQL bulk insert as `UNNEST(%s::jsonb[], ...)` with
    client-side binding, so psycopg escapes every quote of every JSON snapshot into an array
    literal in Python and the server parses it back: 20,000 transfers took 9-13 s that way (and
    23 s with plain VALUES batches), 2 s with COPY."""
    if connection.vendor != "postgresql":
        Transfer.objects.bulk_create(transfers, batch_size=BATCH_SIZE)
        return
    pgcopy.copy_objects(Transfer, transfers, json_texts=json_texts)
