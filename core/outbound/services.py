"""Outgoing webhooks: emitting, signing, delivering, rotating, re-sending (docs/webhooks.md).

Emitting. Services call `emit` / `emit_for` inside their transaction: one query finds the
endpoints that want the event and one `bulk_create` inserts every message (events × endpoints),
however many rows changed, in that same transaction — a rolled-back change sends nothing, a
committed one cannot lose its events. After commit one delivery task is enqueued (at most one per
transaction, and per process at most one every ENQUEUE_EVERY_SECONDS).

Delivering. `deliver_due` claims due messages with `SELECT … FOR UPDATE SKIP LOCKED` and moves
their next attempt a lease ahead before sending (so a worker that dies mid-send leaves them due
again, and two workers never send the same attempt), signs each with every secret in force
(the current one, and the previous one during a rotation's overlap), posts it through
`core.outbound.sender`, logs the attempt and schedules the next one by `events.RETRY_DELAYS`.
An endpoint whose attempts keep failing is disabled (`events.should_disable`).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import standardwebhooks
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_q.tasks import async_task
from ulid import ULID

from core.errors import NotFound, invalid
from core.outbound import events, sender
from core.outbound.models import (
    MessageStatus,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookMessage,
    new_message_id,
    new_secret,
)
from core.webhooks import raw_secret
from core.wire import rfc3339

logger = logging.getLogger(__name__)

DELIVER_TASK = "core.outbound.tasks.deliver_due"
#: a claimed message is due again after this if its worker never recorded the attempt
#: (a batch's worst case: BATCH × sender.DEADLINE_SECONDS, well inside it)
LEASE = timedelta(minutes=10)
BATCH = 10
DEFAULT_OVERLAP = timedelta(hours=24)
ENDPOINT_NOT_FOUND = "PLATFORM_WEBHOOK_ENDPOINT_NOT_FOUND"
MESSAGE_NOT_FOUND = "PLATFORM_WEBHOOK_MESSAGE_NOT_FOUND"


def disable_after_failures() -> int:
    return getattr(settings, "OUTBOUND_WEBHOOK_DISABLE_AFTER_FAILURES", 5)


def disable_window() -> timedelta:
    return timedelta(hours=getattr(settings, "OUTBOUND_WEBHOOK_DISABLE_AFTER_HOURS", 24))


def allow_private_networks() -> bool:
    """Receivers on loopback/private addresses: refused unless this setting (default: DEBUG, so
    a developer can point an endpoint at localhost)."""
    return getattr(settings, "OUTBOUND_WEBHOOK_ALLOW_PRIVATE_NETWORKS", settings.DEBUG)


def time_budget() -> float:
    """Seconds one `deliver_due` run may spend (below django-q2's timeout, 300 s)."""
    return getattr(settings, "OUTBOUND_WEBHOOK_TASK_SECONDS", 240.0)


# --- emitting ------------------------------------------------------------------------------------


def payload(event_type: str, data: dict, at: datetime) -> str:
    """The body, in the SDK's webhook envelope."""
    body = {"type": event_type, "timestamp": rfc3339(at), "data": data}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def _endpoints(event_type: str) -> dict[bool, list[WebhookEndpoint]]:
    """The enabled endpoints subscribed to `event_type`, by mode (one query)."""
    out: dict[bool, list[WebhookEndpoint]] = {}
    for endpoint in WebhookEndpoint.objects.filter(enabled=True).only(
        "pk", "event_types", "is_for_test"
    ):
        if endpoint.subscribes_to(event_type):
            out.setdefault(endpoint.is_for_test, []).append(endpoint)
    return out


def emit(event_type: str, items: Sequence[dict], *, is_for_test: bool) -> int:
    """One message per item for every enabled endpoint of that mode subscribed to `event_type`,
    written now, in the caller's transaction (a rollback takes them back; a commit can never
    lose them); delivery is enqueued after commit. `items` are the events' `data` objects
    (camelCase). Returns the messages written."""
    items = list(items)
    if not items:
        return 0
    endpoints = _endpoints(event_type).get(is_for_test, [])
    return _insert(event_type, items, endpoints)


def emit_for(
    event_type: str, model, pks: Iterable[int], *, entity: str, status: bool = True
) -> int:
    """An event for each row `pks` of `model` (a transfer, partner settlement, payout or bulk
    payout) — for set-based changes, where the service holds only pks. Their public ids and
    statuses are read now, in one query (so each step of a transaction that moves a row twice
    is told with its own status). With no endpoint subscribed, that is the one query made."""
    pks = list(pks)
    if not pks:
        return 0
    by_mode_endpoints = _endpoints(event_type)
    if not by_mode_endpoints:
        return 0
    fields = ["public_id", "is_for_test"] + (["status"] if status else [])
    by_mode: dict[bool, list[dict]] = {}
    for row in model._base_manager.filter(pk__in=pks).order_by("pk").values(*fields):
        data = {events.ID_KEYS[entity]: row["public_id"]}
        if status:
            data["status"] = row["status"]
        by_mode.setdefault(row["is_for_test"], []).append(data)
    return sum(
        _insert(event_type, items, by_mode_endpoints.get(mode, []))
        for mode, items in by_mode.items()
    )


def _insert(event_type: str, items: list[dict], endpoints: list[WebhookEndpoint]) -> int:
    if not endpoints:
        return 0
    now = timezone.now()
    bodies = [payload(event_type, data, now) for data in items]
    messages = [
        WebhookMessage(
            endpoint_id=endpoint.pk,
            message_id=new_message_id(),
            event_type=event_type,
            payload=body,
            created_at=now,
            next_attempt_at=now,
        )
        for endpoint in endpoints
        for body in bodies
    ]
    WebhookMessage.objects.bulk_create(messages, batch_size=2000)
    _enqueue_after_commit()
    return len(messages)


#: a delivery task was enqueued this recently (monotonic seconds, per process): the runner's
#: per-payout commits do not each queue one; the every-minute schedule delivers what waits
ENQUEUE_EVERY_SECONDS = 2.0
_last_enqueued = [float("-inf")]


def _enqueue_after_commit() -> None:
    """One delivery task per transaction, after it commits (robust: a broker error never turns
    a committed change into an error), and at most one every ENQUEUE_EVERY_SECONDS."""
    pending = transaction.get_connection().run_on_commit
    if any(entry[1] is _enqueue_soon for entry in pending):
        return
    transaction.on_commit(_enqueue_soon, robust=True)


def _enqueue_soon() -> None:
    now = time.monotonic()
    if now - _last_enqueued[0] < ENQUEUE_EVERY_SECONDS:
        return
    _last_enqueued[0] = now
    enqueue_delivery()


def enqueue_delivery() -> None:
    try:
        async_task(DELIVER_TASK, task_name=f"webhooks-{ULID()}")
    except Exception:  # the every-minute schedule delivers them anyway
        logger.exception("could not enqueue webhook delivery")


# --- signing and delivering ----------------------------------------------------------------------


def signature(secrets_in_force: Sequence[str], msg_id: str, at: datetime, body: str) -> str:
    """`webhook-signature`: one `v1,<base64>` per secret, space-separated."""
    return " ".join(
        standardwebhooks.Webhook(raw_secret(s)).sign(msg_id, at, body) for s in secrets_in_force
    )


def headers_for(endpoint: WebhookEndpoint, message: WebhookMessage, at: datetime) -> dict:
    at = at.replace(microsecond=0)
    return {
        "webhook-id": message.message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature(
            endpoint.signing_secrets(at), message.message_id, at, message.payload
        ),
    }


def _claim(limit: int, now: datetime) -> list[int]:
    with transaction.atomic():
        pks = list(
            WebhookMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                status=MessageStatus.PENDING,
                next_attempt_at__lte=now,
                endpoint__enabled=True,
            )
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if pks:
            WebhookMessage.objects.filter(pk__in=pks).update(next_attempt_at=now + LEASE)
    return pks


def deliver_due(*, limit: int | None = None, transport=None) -> int:
    """Send every due message (in batches, within the time budget). Returns attempts made."""
    started = time.monotonic()
    made = 0
    with sender.client(transport=transport) as http:
        while time.monotonic() - started < time_budget():
            pks = _claim(BATCH if limit is None else min(BATCH, limit - made), timezone.now())
            if not pks:
                break
            for message in WebhookMessage.objects.filter(pk__in=pks).select_related("endpoint"):
                attempt(message, using=http)
                made += 1
            if limit is not None and made >= limit:
                break
    return made


def attempt(message: WebhookMessage, *, using=None, transport=None) -> WebhookAttempt:
    """One HTTP try of `message`, logged; the message and its endpoint take the outcome."""
    endpoint = message.endpoint
    now = timezone.now()
    result = sender.post(
        endpoint.url,
        message.payload.encode(),
        headers_for(endpoint, message, now),
        using=using,
        transport=transport,
        allow_private=allow_private_networks(),
    )
    number = message.attempt_count + 1
    done = timezone.now()
    with transaction.atomic():
        log = WebhookAttempt.objects.create(
            message=message,
            number=number,
            attempted_at=now,
            status_code=result.status_code,
            duration_ms=result.duration_ms,
            succeeded=result.ok,
            error=result.error,
            response_body=result.body,
        )
        fields: dict = {"attempt_count": number, "last_status_code": result.status_code}
        if result.ok:
            fields.update(status=MessageStatus.SUCCEEDED, next_attempt_at=None, delivered_at=done)
        else:
            delay = events.next_delay(number)
            if delay is None:
                fields.update(status=MessageStatus.FAILED, next_attempt_at=None)
            else:
                fields.update(status=MessageStatus.PENDING, next_attempt_at=done + delay)
        # Only over the attempt this worker claimed: if the lease ran out and another worker
        # took the message meanwhile, its record stands and this one changes nothing.
        claimed = WebhookMessage.objects.filter(
            pk=message.pk, attempt_count=message.attempt_count, status=MessageStatus.PENDING
        )
        if not claimed.update(**fields):
            logger.warning("webhook message %s was claimed again meanwhile", message.message_id)
        _endpoint_outcome(endpoint.pk, result.ok, result, done)
    return log


def _endpoint_outcome(endpoint_pk: int, ok: bool, result: sender.Delivered, now: datetime) -> None:
    rows = WebhookEndpoint.objects.filter(pk=endpoint_pk)
    if ok:
        rows.exclude(consecutive_failures=0).update(consecutive_failures=0, failing_since=None)
        return
    rows.update(
        consecutive_failures=F("consecutive_failures") + 1,
        failing_since=Coalesce(F("failing_since"), now),
    )
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_pk)
    if endpoint.enabled and events.should_disable(
        endpoint.consecutive_failures,
        now - endpoint.failing_since,
        after=disable_after_failures(),
        window=disable_window(),
    ):
        last = result.error or f"HTTP {result.status_code}"
        reason = (
            f"{rfc3339(endpoint.failing_since)}부터 연속 {endpoint.consecutive_failures}회 "
            f"전송 실패 (마지막: {last})"
        )[:300]
        rows.update(enabled=False, disabled_at=now, disabled_reason=reason)
        logger.warning("webhook endpoint %s disabled: %s", endpoint.public_id, reason)


def messages_purge(*, now: datetime | None = None) -> int:
    """Delivered and finally failed messages (with their attempts) older than
    OUTBOUND_WEBHOOK_RETENTION_DAYS (30) are deleted; pending ones are never. Returns messages
    deleted."""
    now = now or timezone.now()
    days = getattr(settings, "OUTBOUND_WEBHOOK_RETENTION_DAYS", 30)
    old = WebhookMessage.objects.filter(
        status__in=[MessageStatus.SUCCEEDED, MessageStatus.FAILED],
        created_at__lt=now - timedelta(days=days),
    )
    WebhookAttempt.objects.filter(message__in=old).delete()  # one statement, not a cascade walk
    return old.delete()[0]


# --- endpoints -----------------------------------------------------------------------------------


def _check_event_types(event_types: Sequence[str]) -> list[str]:
    unknown = sorted(set(event_types) - events.EVENT_TYPE_NAMES)
    if unknown:
        raise invalid(f"eventTypes: 알 수 없는 이벤트입니다: {', '.join(unknown)}")
    return list(dict.fromkeys(event_types))


def endpoint_create(
    *,
    url: str,
    is_for_test: bool,
    event_types: Sequence[str] = (),
    description: str = "",
    enabled: bool = True,
) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(
        public_id=f"whep_{ULID()}",
        url=url,
        is_for_test=is_for_test,
        event_types=_check_event_types(event_types),
        description=description,
        enabled=enabled,
    )
    endpoint.secret = new_secret()
    endpoint.save()
    return endpoint


def endpoint_get(public_id: str, *, is_for_test: bool) -> WebhookEndpoint:
    try:
        return WebhookEndpoint.objects.get(public_id=public_id, is_for_test=is_for_test)
    except WebhookEndpoint.DoesNotExist:
        raise NotFound(ENDPOINT_NOT_FOUND, "웹훅 엔드포인트를 찾을 수 없습니다.") from None


def endpoint_update(endpoint: WebhookEndpoint, **changes) -> WebhookEndpoint:
    """`url`, `event_types`, `description`, `enabled`; enabling clears the automatic disabling."""
    if "event_types" in changes:
        changes["event_types"] = _check_event_types(changes["event_types"])
    was_enabled = endpoint.enabled
    for name, value in changes.items():
        setattr(endpoint, name, value)
    if changes.get("enabled") and not was_enabled:
        endpoint.consecutive_failures = 0
        endpoint.failing_since = None
        endpoint.disabled_at = None
        endpoint.disabled_reason = ""
    endpoint.save()
    return endpoint


def endpoint_rotate_secret(
    endpoint: WebhookEndpoint, *, overlap: timedelta = DEFAULT_OVERLAP
) -> str:
    """A new secret signs from now on; the old one keeps signing beside it for `overlap`
    (0: at once alone). Returns the new secret."""
    fresh = new_secret()
    now = timezone.now()
    if overlap > timedelta(0):
        endpoint.previous_secret_sealed = endpoint.secret.encode()
        endpoint.previous_secret_expires_at = now + overlap
    else:
        endpoint.previous_secret_sealed = None
        endpoint.previous_secret_expires_at = None
    endpoint.secret = fresh
    endpoint.save()
    return fresh


def endpoint_ping(endpoint: WebhookEndpoint) -> WebhookMessage:
    """A `webhook.ping` message to this endpoint alone, whatever it subscribes to."""
    now = timezone.now()
    message = WebhookMessage.objects.create(
        endpoint=endpoint,
        message_id=new_message_id(),
        event_type=events.PING,
        payload=payload(events.PING, {"webhookEndpointId": endpoint.public_id}, now),
        created_at=now,
        next_attempt_at=now,
    )
    transaction.on_commit(enqueue_delivery)
    return message


# --- re-sending ----------------------------------------------------------------------------------


def message_get(message_id: str, *, is_for_test: bool) -> WebhookMessage:
    try:
        return WebhookMessage.objects.select_related("endpoint").get(
            message_id=message_id, endpoint__is_for_test=is_for_test
        )
    except WebhookMessage.DoesNotExist:
        raise NotFound(MESSAGE_NOT_FOUND, "웹훅 전송 내역을 찾을 수 없습니다.") from None


def messages_resend(pks: Iterable[int]) -> int:
    """Due now, whatever their state (one UPDATE); a message whose attempts are used up gets one
    more. The same body and `webhook-id` go again, so receivers can de-duplicate."""
    count = WebhookMessage.objects.filter(pk__in=list(pks)).update(
        status=MessageStatus.PENDING, next_attempt_at=timezone.now()
    )
    if count:
        transaction.on_commit(enqueue_delivery)
    return count
