"""The partner export: the upload columns under the same headers, plus status columns, with
Korean labels and the personal data masked (account number: last 4 digits; birth date: year).

django-import-export's `PartnerResource` declares which attribute each export column shows
(`default_contract__public_id` walks the relation) and how (the `dehydrate_` methods).
`PartnerExport` writes the same cells without its per-cell machinery, for downloads of 10^5 rows:
`export_field` looks the dehydrate method up again for every cell, and `get_FOO_display` rebuilds
the choices as a hashable dict and resolves a lazy translation per cell; together they cost as
much as openpyxl writing the file. tests/partners/test_export_fast.py holds the two equal. The
resource does not import: uploads are partners.files.upload, which validates through the API's
rules and writes set-based, and its headers come from `COLUMNS`, so a header exists once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from import_export import resources
from import_export.fields import Field

from core.crypto import mask
from partners.domain.accounts import mask_birthdate
from partners.domain.banks import BANK_LABELS
from partners.files.columns import COLUMNS, IMPORT_FIELDS
from partners.models import AccountStatus, BusinessStatus, Partner, PartnerType, TaxationType

EXPORT_FIELDS = (*IMPORT_FIELDS, "account_status", "business_status", "is_archived", "is_for_test")


def _column(name: str, attribute: str | None = None) -> Field:
    return Field(attribute=attribute or name, column_name=COLUMNS.header(name))


class PartnerResource(resources.ModelResource):
    """The partner columns of the export; `import_columns()` gives the upload's."""

    public_id = _column("public_id")
    name = _column("name")
    partner_type = _column("partner_type")
    contact_name = _column("contact_name")
    contact_email = _column("contact_email")
    contact_phone = _column("contact_phone")
    bank = _column("bank")
    account_currency = _column("account_currency")
    account_number = _column("account_number")
    account_holder = _column("account_holder")
    default_contract = _column("default_contract", "default_contract__public_id")
    tags = _column("tags")
    memo = _column("memo")
    company_name = _column("company_name")
    business_registration_number = _column("business_registration_number")
    representative_name = _column("representative_name")
    taxation_type = _column("taxation_type")
    company_address = _column("company_address")
    business_type = _column("business_type")
    business_class = _column("business_class")
    birthdate = _column("birthdate")
    # export only
    account_status = Field(attribute="account_status", column_name="계좌 인증")
    business_status = Field(attribute="business_status", column_name="사업자 상태")
    is_archived = Field(attribute="is_archived", column_name="보관")
    is_for_test = Field(attribute="is_for_test", column_name="테스트")

    class Meta:
        model = Partner
        fields = EXPORT_FIELDS
        export_order = EXPORT_FIELDS

    @classmethod
    def import_columns(cls) -> list[tuple[str, str]]:
        """[(column, Korean header)] of the upload, in template order."""
        return [(column.name, column.header) for column in COLUMNS.columns]

    # -- export values: Korean labels, masked personal data --

    def dehydrate_partner_type(self, obj: Partner) -> str:
        return obj.get_partner_type_display()

    def dehydrate_bank(self, obj: Partner) -> str:
        return BANK_LABELS.get(obj.bank, obj.bank)

    def dehydrate_account_number(self, obj: Partner) -> str:
        return obj.masked_account_number

    def dehydrate_birthdate(self, obj: Partner) -> str:
        return obj.masked_birthdate

    def dehydrate_tags(self, obj: Partner) -> str:
        return ",".join(obj.tags or [])

    def dehydrate_taxation_type(self, obj: Partner) -> str:
        return obj.get_taxation_type_display() if obj.taxation_type else ""

    def dehydrate_account_status(self, obj: Partner) -> str:
        return obj.get_account_status_display()

    def dehydrate_business_status(self, obj: Partner) -> str:
        if obj.partner_type != PartnerType.BUSINESS:
            return ""
        return obj.get_business_status_display()

    def dehydrate_is_archived(self, obj: Partner) -> str:
        return "Y" if obj.is_archived else "N"

    def dehydrate_is_for_test(self, obj: Partner) -> str:
        return "Y" if obj.is_for_test else "N"

    def export_headers(self) -> list[str]:
        return [self.fields[name].column_name for name in EXPORT_FIELDS]

    def export_rows(self, partners: Iterable[Partner]) -> Iterator[list[Any]]:
        """Rows of plain values ("" for none); the writers (core.files.sheets) neutralise them.
        Fields are resolved once, not per row (the Resource's own `export_resource` re-resolves
        the column order for every object)."""
        export_fields = [self.fields[name] for name in EXPORT_FIELDS]
        for obj in partners:
            yield ["" if (v := self.export_field(f, obj)) is None else v for f in export_fields]


def _labels(choices) -> dict[str, str]:
    """value -> label in the active language, resolved once for a whole export."""
    return {value: str(label) for value, label in choices}


def _text(attname: str) -> Callable[[Partner], Any]:
    """What the resource's default widget renders: the value, "" for None."""

    def value(obj: Partner) -> Any:
        v = getattr(obj, attname)
        return "" if v is None else v

    return value


class PartnerExport:
    """The export's cells of `PartnerResource`, with labels looked up in dicts made once per export
    (in the language active when it is made) and no per-cell dispatch. `reveal`: full account
    number and birth date (the personal-data permission) instead of the masked ones."""

    def __init__(self, *, reveal: bool) -> None:
        types = _labels(PartnerType.choices)
        taxation = _labels(TaxationType.choices)
        account = _labels(AccountStatus.choices)
        business = _labels(BusinessStatus.choices)
        banks = {code: str(label) for code, label in BANK_LABELS.items()}
        business_type = PartnerType.BUSINESS.value
        special: dict[str, Callable[[Partner], Any]] = {
            "partner_type": lambda o: types.get(o.partner_type, o.partner_type),
            "bank": lambda o: banks.get(o.bank, o.bank),
            "default_contract": lambda o: o.default_contract.public_id,
            "tags": lambda o: ",".join(o.tags or []),
            "taxation_type": lambda o: (
                taxation.get(o.taxation_type, o.taxation_type) if o.taxation_type else ""
            ),
            "account_status": lambda o: account.get(o.account_status, o.account_status),
            "business_status": lambda o: (
                business.get(o.business_status, o.business_status)
                if o.partner_type == business_type
                else ""
            ),
            "is_archived": lambda o: "Y" if o.is_archived else "N",
            "is_for_test": lambda o: "Y" if o.is_for_test else "N",
        }
        if reveal:
            special["account_number"] = lambda o: o.account_number or ""
            special["birthdate"] = lambda o: o.birthdate or ""
        else:
            special["account_number"] = lambda o: mask(o.account_number)
            special["birthdate"] = lambda o: mask_birthdate(o.birthdate)
        resource = PartnerResource()
        self.headers = resource.export_headers()
        self.values = [
            special.get(name) or _text(resource.fields[name].attribute) for name in EXPORT_FIELDS
        ]

    def columns(self) -> list[tuple[str, Callable[[Partner], Any]]]:
        return list(zip(self.headers, self.values, strict=True))

    def rows(self, partners: Iterable[Partner]) -> Iterator[list[Any]]:
        values = self.values
        for obj in partners:
            yield [value(obj) for value in values]
