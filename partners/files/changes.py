"""What changes about a partner, field by field, in words a finance team reads: the Korean label of
each versioned field and its value as people write it (bank and type names, 120-81-47521, tags
as text), with the account number and birth date masked.

Shared by the re-import preview (partners.files.upload) and the partner admin's version history,
so both say a change the same way. Nothing here reads or writes the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from core.crypto import mask
from partners.domain.accounts import mask_birthdate
from partners.domain.banks import BANK_LABELS
from partners.models import Partner, PartnerType, TaxationType

#: the field that names the default contract by its public id in a change (not the model's pk)
CONTRACT = "default_contract"

#: versioned fields in the order a person reads them
ORDER = (
    "name",
    "memo",
    "tags",
    CONTRACT,
    "contact_name",
    "contact_email",
    "contact_phone",
    "bank",
    "account_currency",
    "account_number",
    "account_holder",
    "partner_type",
    *Partner.BUSINESS_TERMS,
    "birthdate",
    "user_defined_properties",
)


def label(name: str) -> str:
    if name in (CONTRACT, "default_contract_id"):
        return "기본 계약"
    return str(Partner._meta.get_field(name).verbose_name)


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def show(name: str, value: Any, *, reveal: bool = False) -> str:
    """One value as text; `reveal` shows the account number and birth date in full."""
    if _blank(value):
        return "-"
    if name == "bank":
        return BANK_LABELS.get(value, value)
    if name == "partner_type":
        return str(PartnerType(value).label) if value in PartnerType.values else str(value)
    if name == "taxation_type":
        return str(TaxationType(value).label) if value in TaxationType.values else str(value)
    if name == "account_number":
        return str(value) if reveal else mask(str(value))
    if name == "birthdate":
        return str(value) if reveal else mask_birthdate(str(value))
    if name == "business_registration_number":
        digits = "".join(ch for ch in str(value) if ch.isdigit())
        return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}" if len(digits) == 10 else str(value)
    if name == "tags":
        return ", ".join(str(tag) for tag in value)
    if name == "user_defined_properties":
        return ", ".join(f"{key}={item}" for key, item in value.items())
    return str(value)


def same(name: str, old: Any, new: Any) -> bool:
    """Equal as a partner's term: blank is blank (None, "", [], {})."""
    if _blank(old) and _blank(new):
        return True
    if name == "tags":
        return list(old or []) == list(new or [])
    return old == new


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    old: str
    new: str


def field_changes(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    names: Iterable[str] | None = None,
    reveal: bool = False,
) -> list[FieldChange]:
    """The fields whose value differs between `before` and `after` (both keyed by the names of
    ORDER), old -> new as text; only names in `after` count when `names` is not given."""
    wanted = list(names) if names is not None else [n for n in ORDER if n in after]
    out = []
    for name in wanted:
        old, new = before.get(name), after.get(name)
        if same(name, old, new):
            continue
        old_text, new_text = show(name, old, reveal=reveal), show(name, new, reveal=reveal)
        if old_text == new_text:  # e.g. two account numbers with the same last 4 digits
            new_text = f"{new_text} (변경됨)"
        out.append(FieldChange(name, label(name), old_text, new_text))
    return out
