"""The e-mailed link of a reverse-issuance request (docs/invoices.md#the-partner-page).

A link is `PUBLIC_BASE_URL/tax-invoices/r/<token>/`. The token is `django.core.signing` over
`{"i": invoice pk, "v": link_version}` with its own salt, timestamped at the moment the link was
made (`link_expires_at` − INVOICE_LINK_MAX_AGE_DAYS), so rendering the same link twice (the
e-mail, then the messenger message, then a retry) gives the same token, and its age is checked by
the signature itself as well as against `link_expires_at`. A re-send increments `link_version`:
earlier links are then superseded.

Whoever holds the link still has to type the supplier's business registration number
(`check_brn`); more than BRN_ATTEMPTS_PER_HOUR wrong numbers for one link lock it for the hour.
"""

from __future__ import annotations

import enum
import re
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from invoices.domain.statuses import IssuanceType
from invoices.models import TaxInvoice

SALT = "invoices.reverse-request-link"
STATEMENT_SALT = "invoices.partner-statement"
BRN_ATTEMPTS_PER_HOUR = 10


def max_age() -> timedelta:
    return timedelta(days=getattr(settings, "INVOICE_LINK_MAX_AGE_DAYS", 62))


class Refusal(enum.StrEnum):
    TAMPERED = "TAMPERED"  # not our signature, or no such invoice: 404
    EXPIRED = "EXPIRED"  # older than its max age: 410
    SUPERSEDED = "SUPERSEDED"  # a newer link was sent: 410


class LinkRefused(Exception):
    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.value)
        self.reason = reason

    @property
    def status(self) -> int:
        return 404 if self.reason is Refusal.TAMPERED else 410


class _SignerAt(signing.TimestampSigner):
    """A TimestampSigner whose timestamp is given (when the link was made), not now."""

    def __init__(self, at: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self._at = at

    def timestamp(self) -> str:
        return signing.b62_encode(self._at)


def new_expiry(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) + max_age()


def token_for(invoice: TaxInvoice) -> str:
    """The token of the invoice's current link (it must have one: `link_expires_at`)."""
    if invoice.link_expires_at is None:
        raise ValueError(f"invoice {invoice.pk} has no link yet")
    made_at = int((invoice.link_expires_at - max_age()).timestamp())
    signer = _SignerAt(made_at, salt=SALT)
    return signer.sign_object({"i": invoice.pk, "v": invoice.link_version}, compress=False)


def path_for(invoice: TaxInvoice) -> str:
    return reverse("invoice_pages:link", kwargs={"token": token_for(invoice)})


def url_for(invoice: TaxInvoice) -> str:
    """The absolute link, on PUBLIC_BASE_URL."""
    base = (getattr(settings, "PUBLIC_BASE_URL", "") or "http://127.0.0.1:8000").rstrip("/")
    return base + path_for(invoice)


def verify(token: str, *, for_update: bool = False) -> TaxInvoice:
    """The invoice of a link, or LinkRefused (TAMPERED / EXPIRED / SUPERSEDED). `for_update`
    locks the row (inside a transaction)."""
    try:
        data = signing.TimestampSigner(salt=SALT).unsign_object(
            token, max_age=max_age().total_seconds()
        )
    except signing.SignatureExpired:
        raise LinkRefused(Refusal.EXPIRED) from None
    except signing.BadSignature:
        raise LinkRefused(Refusal.TAMPERED) from None
    except Exception:  # a signed but unreadable payload: treated as forged
        raise LinkRefused(Refusal.TAMPERED) from None
    if not isinstance(data, dict) or not isinstance(data.get("i"), int):
        raise LinkRefused(Refusal.TAMPERED)
    qs = TaxInvoice.objects.filter(pk=data["i"], deleted_at__isnull=True).select_related(
        "supplier_counterparty__partner"
    )
    if for_update:
        qs = qs.select_for_update(of=("self",))
    invoice = qs.first()
    if invoice is None or invoice.issuance_type != IssuanceType.REVERSE:
        raise LinkRefused(Refusal.TAMPERED)  # links are made for reverse requests only
    if data.get("v") != invoice.link_version:
        raise LinkRefused(Refusal.SUPERSEDED)
    if invoice.link_expires_at is None or invoice.link_expires_at <= timezone.now():
        raise LinkRefused(Refusal.EXPIRED)
    return invoice


def digits(raw: str | None) -> str:
    return re.sub(r"\D", "", raw or "")


def check_brn(invoice: TaxInvoice, raw: str | None) -> bool:
    """The number typed (digits only: '214-88-12345' counts) is the supplier's."""
    typed = digits(raw)
    return bool(typed) and len(typed) == 10 and typed == digits(invoice.supplier_brn)


def _attempts_key(invoice: TaxInvoice) -> str:
    return f"invoice-link-brn:{invoice.pk}:{invoice.link_version}"


def is_locked(invoice: TaxInvoice) -> bool:
    """More than BRN_ATTEMPTS_PER_HOUR wrong numbers for this link within the hour."""
    return (cache.get(_attempts_key(invoice)) or 0) >= BRN_ATTEMPTS_PER_HOUR


def record_wrong_brn(invoice: TaxInvoice) -> int:
    key = _attempts_key(invoice)
    if cache.add(key, 1, timeout=3600):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        return 1


# --- the partner's statement downloads ----------------------------------------------------------


def statement_token(invoice: TaxInvoice, payout_pk: int) -> str:
    """A signed, short-lived reference to one payout's statement, shown on the partner page."""
    return signing.TimestampSigner(salt=STATEMENT_SALT).sign_object(
        {"i": invoice.pk, "v": invoice.link_version, "p": payout_pk}, compress=False
    )


def statement_payout_pk(invoice: TaxInvoice, token: str) -> int | None:
    """The payout pk of a statement token made for this invoice's current link, or None. Valid
    for INVOICE_VIEWER_URL_MINUTES, at least 30 minutes (a page left open a while)."""
    minutes = getattr(settings, "INVOICE_VIEWER_URL_MINUTES", 10)
    try:
        data = signing.TimestampSigner(salt=STATEMENT_SALT).unsign_object(
            token, max_age=max(minutes, 30) * 60
        )
    except Exception:
        return None
    if (
        not isinstance(data, dict)
        or data.get("i") != invoice.pk
        or data.get("v") != invoice.link_version
        or not isinstance(data.get("p"), int)
    ):
        return None
    return data["p"]
