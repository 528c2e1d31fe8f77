"""Short-lived signed URLs to our own renderer of an invoice: its PDF, a print page, a popup
(`GET /b2b/tax-invoices/{key}/pdf-download-url|print-url|popup-url`;
docs/invoices.md#pdf-and-viewer-urls).

A URL carries a token signed with django.core.signing under its own salt: which invoice (row id),
which page, whether the popup shows its menu. It is valid for INVOICE_VIEWER_URL_MINUTES from its
making (an expired one answers 410, a tampered one or one of a deleted invoice 404). Anyone holding
the URL sees the document, as with PortOne's own viewer URLs: keep them short-lived.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

from invoices.models import TaxInvoice

SALT = "invoices.viewer.v1"
KINDS = ("pdf", "print", "popup")


class ViewerLinkError(Exception):
    """The token is not ours (tampered, another kind, the invoice gone): 404."""


class ViewerLinkExpired(ViewerLinkError):
    """A genuine token past its minutes: 410."""


@dataclass(frozen=True)
class ViewerLink:
    invoice: TaxInvoice
    kind: str
    include_menu: bool


def max_age_seconds() -> int:
    return max(1, int(getattr(settings, "INVOICE_VIEWER_URL_MINUTES", 10))) * 60


def make_token(invoice: TaxInvoice, kind: str, *, include_menu: bool = True) -> str:
    if kind not in KINDS:
        raise ValueError(kind)
    payload = {"i": invoice.pk, "k": kind}
    if kind == "popup":
        payload["m"] = 1 if include_menu else 0
    return signing.dumps(payload, salt=SALT, compress=True)


def viewer_path(token: str, kind: str) -> str:
    return reverse(f"invoice_pages:viewer_{kind}", args=[token])


def viewer_url(invoice: TaxInvoice, kind: str, *, include_menu: bool = True) -> str:
    """The absolute URL (PUBLIC_BASE_URL) of one page of this invoice."""
    token = make_token(invoice, kind, include_menu=include_menu)
    return settings.PUBLIC_BASE_URL.rstrip("/") + viewer_path(token, kind)


def read_token(token: str, kind: str) -> ViewerLink:
    """The invoice behind a token of this kind, or ViewerLinkExpired / ViewerLinkError."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=max_age_seconds())
    except signing.SignatureExpired:
        raise ViewerLinkExpired(token) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise ViewerLinkError(token) from None
    if not isinstance(payload, dict) or payload.get("k") != kind:
        raise ViewerLinkError(token)
    pk = payload.get("i")
    if type(pk) is not int:
        raise ViewerLinkError(token)
    invoice = (
        TaxInvoice.objects.filter(pk=pk, deleted_at__isnull=True)
        .select_related("original", "bulk")
        .first()
    )
    if invoice is None:
        raise ViewerLinkError(token)
    return ViewerLink(invoice=invoice, kind=kind, include_menu=bool(payload.get("m", 1)))
