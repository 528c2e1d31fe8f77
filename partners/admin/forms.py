"""The partner forms of the admin: create, edit and schedule a change (변경 예약) of a partner of
any type, with the API's rules and the API's services.

A form is only the widgets and the Korean labels. On `is_valid()` it builds the API's camelCase
body from what was typed, validates it with the API's own input schema (partners.inputs), turns
it into a `PartnerChange` (partners.inputs.partner_change) and calls the service the API calls
(partner_create / partner_update / partner_schedule), so versions, history, the background
verification and every refusal are the API's. Refusals land on the field they are about (the
input schema's errors by their API path, a service's DomainError by its `field`, the field named
at the start of its message or its code), else on the form; nothing is written then.

The admin's change view wraps all this in its transaction; the service call runs in a savepoint of
its own, so a refusal leaves nothing behind.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.db import transaction
from unfold import widgets as uw

from core.errors import DomainError
from core.versioning import services as versioning
from partners import selectors
from partners.domain.banks import BANK_CHOICES, SUPPORTED_CURRENCIES
from partners.files.changes import CONTRACT, same
from partners.files.columns import API_PATHS, BUSINESS_COLUMNS, TYPE_KEYS
from partners.files.upload import error_fields
from partners.inputs import PartnerCreateInput, PartnerUpdateInput, partner_change
from partners.models import Partner, PartnerType, TaxationType, UserDefinedProperty
from partners.services import partners as services

UDP_PREFIX = "udp__"

#: the field a refusal's message starts with ("defaultContractId: ...") -> the form field
MESSAGE_FIELDS = {
    "defaultContractId": CONTRACT,
    "account": "account_number",
    "account.number": "account_number",
    "account.currency": "account_currency",
    "account.accountVerificationId": "account_number",
    "tags": "tags",
    "type.business.companyVerificationId": "business_registration_number",
    "update.type": "partner_type",
    "appliedAt": "apply_at",
    "type.business": "",
}
#: refusals that name no field in their message -> the form field they are about
CODE_FIELDS = {
    "PLATFORM_PARTNER_ID_ALREADY_EXISTS": "public_id",
    "PLATFORM_CONTRACT_NOT_FOUND": CONTRACT,
    "PLATFORM_CURRENCY_NOT_SUPPORTED": "account_currency",
    "PLATFORM_INSUFFICIENT_DATA_TO_CHANGE_PARTNER_TYPE": "partner_type",
    "PLATFORM_MEMBER_COMPANY_CONNECTED_PARTNER_TYPE_UNCHANGEABLE": "partner_type",
    "PLATFORM_MEMBER_COMPANY_CONNECTED_PARTNER_BRN_UNCHANGEABLE": "business_registration_number",
}
_PREFIX = re.compile(r"^([A-Za-z][A-Za-z.]*): (.+)$", re.S)

DATE_FORMATS = ["%Y-%m-%d", "%Y.%m.%d", "%Y/%m/%d", "%Y%m%d"]


def _text(label: str, *, required: bool = False, max_length: int | None = None, **kw):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=uw.UnfoldAdminTextInputWidget(),
        **kw,
    )


def _select(label: str, choices, *, required: bool = True, **kw):
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=required,
        widget=uw.UnfoldAdminSelectWidget(),
        **kw,
    )


def udp_field_name(key: str) -> str:
    return f"{UDP_PREFIX}{key}"


def declared_properties() -> list[UserDefinedProperty]:
    return list(UserDefinedProperty.objects.order_by("key"))


class PartnerForm(forms.ModelForm):
    """Create (no instance) or edit (an instance) one partner. The admin sets `reveal` (may the
    user see full account numbers and birth dates) on the class it builds (PartnerAdmin.get_form),
    and declares one `udp__<key>` field per UserDefinedProperty there."""

    reveal = False

    mode = forms.ChoiceField(
        label="모드",
        choices=[("live", "운영"), ("test", "테스트")],
        initial="live",
        widget=uw.UnfoldAdminRadioSelectWidget(),
        help_text="테스트 파트너는 테스트 계약만 쓸 수 있습니다. 나중에 바꿀 수 없습니다.",
    )
    public_id = _text(
        "파트너 아이디",
        max_length=100,
        help_text="비우면 자동으로 만듭니다. 바꿀 수 없습니다.",
    )
    name = _text("이름", required=True, max_length=200)
    memo = _text("메모", max_length=256)
    tags = _text("태그", help_text="쉼표로 구분합니다 (예: 패션, 우수). 최대 10개.")
    default_contract = _select("기본 계약", [])
    contact_name = _text("담당자 이름", required=True, max_length=100)
    contact_email = forms.EmailField(label="담당자 이메일", widget=uw.UnfoldAdminEmailInputWidget())
    contact_phone = _text("담당자 전화번호", max_length=30)
    bank = _select("은행", [("", "은행 선택"), *BANK_CHOICES])
    account_currency = _select(
        "통화",
        [(c, c) for c in SUPPORTED_CURRENCIES],
        initial="KRW",
        help_text="원화(KRW) 계좌만 예금주를 확인합니다.",
    )
    account_number = _text("계좌번호", max_length=40, help_text="숫자와 하이픈(-)")
    account_holder = _text("예금주", required=True, max_length=100)
    partner_type = forms.ChoiceField(
        label="유형",
        choices=PartnerType.choices,
        initial=PartnerType.BUSINESS,
        widget=uw.UnfoldAdminRadioSelectWidget(),
    )
    company_name = _text("상호", max_length=200, help_text="사업자 필수")
    business_registration_number = _text(
        "사업자등록번호", max_length=20, help_text="사업자 필수. 10자리 (예: 120-81-47521)"
    )
    representative_name = _text("대표자", max_length=100, help_text="사업자 필수")
    taxation_type = _select(
        "과세 유형",
        [("", "일반과세 (기본)"), *TaxationType.choices],
        required=False,
    )
    company_address = _text("사업장 주소", max_length=300)
    business_type = _text("업태", max_length=100)
    business_class = _text("종목", max_length=100)
    birthdate = forms.DateField(
        label="생년월일",
        required=False,
        input_formats=DATE_FORMATS,
        widget=uw.UnfoldAdminTextInputWidget(attrs={"placeholder": "YYYY-MM-DD"}),
        help_text="원천징수 대상자·비대상자만 (예: 1985-12-31)",
    )

    class Meta:
        model = Partner
        fields = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.partner: Partner | None = None
        partner = self.instance if self.instance.pk else None
        self._set_contract_choices(partner)
        if partner is None:
            self.fields["account_number"].required = True
        else:
            for name in ("mode", "public_id"):
                self.fields.pop(name, None)
            self.initial = {
                **self._initial_from(partner, self._current_terms(partner)),
                **(kwargs.get("initial") or {}),
            }
            self._describe_hidden_values(partner)

    # --- what the form shows -------------------------------------------------------------

    def _current_terms(self, partner: Partner) -> dict[str, Any]:
        """The terms the form starts from (the schedule form: the pending change projected)."""
        terms = partner.terms()
        terms[CONTRACT] = partner.default_contract.public_id
        return terms

    def _initial_from(self, partner: Partner, terms: dict[str, Any]) -> dict[str, Any]:
        initial = {
            name: terms.get(name) or ""
            for name in (
                "name",
                "memo",
                "contact_name",
                "contact_email",
                "contact_phone",
                "bank",
                "account_currency",
                "account_holder",
                "partner_type",
                *BUSINESS_COLUMNS,
            )
        }
        number = terms.get("business_registration_number") or ""
        if len(number) == 10 and number.isdigit():
            initial["business_registration_number"] = f"{number[:3]}-{number[3:5]}-{number[5:]}"
        initial["tags"] = ", ".join(terms.get("tags") or [])
        initial[CONTRACT] = terms[CONTRACT]
        initial["account_number"] = terms["account_number"] if self.reveal else ""
        initial["birthdate"] = (terms.get("birthdate") or "") if self.reveal else ""
        for key, value in (terms.get("user_defined_properties") or {}).items():
            initial[udp_field_name(key)] = value
        return initial

    def _describe_hidden_values(self, partner: Partner) -> None:
        number = self.fields["account_number"]
        if self.reveal:
            number.help_text = "숫자와 하이픈(-). 비우면 지금 번호를 그대로 둡니다."
        else:
            number.help_text = (
                f"지금: {partner.masked_account_number}. 바꿀 때만 새 번호를 입력하세요 "
                "(비우면 그대로 둡니다)."
            )
            number.widget.attrs["placeholder"] = partner.masked_account_number
            if partner.birthdate:
                self.fields[
                    "birthdate"
                ].help_text = (
                    f"지금: {partner.masked_birthdate}. 바꿀 때만 입력하세요 (비우면 그대로)."
                )

    def _set_contract_choices(self, partner: Partner | None) -> None:
        field = self.fields[CONTRACT]
        if partner is None:
            groups: dict[bool, list] = {False: [], True: []}
            for public_id, name, is_for_test in selectors.usable_contracts():
                groups[is_for_test].append((public_id, f"{name} ({public_id})"))
            field.choices = [
                ("", "계약 선택"),
                ("운영 계약", groups[False]),
                ("테스트 계약", groups[True]),
            ]
            return
        choices = [
            (public_id, f"{name} ({public_id})")
            for public_id, name, _test in selectors.usable_contracts(
                is_for_test=partner.is_for_test
            )
        ]
        current = partner.default_contract
        if current.public_id not in {value for value, _label in choices}:
            choices.insert(0, (current.public_id, f"{current.name} ({current.public_id}, 보관됨)"))
        field.choices = choices

    def udp_names(self) -> list[str]:
        return [name for name in self.fields if name.startswith(UDP_PREFIX)]

    # --- the write ------------------------------------------------------------------------

    @property
    def is_for_test(self) -> bool:
        if self.instance.pk:
            return self.instance.is_for_test
        return self.cleaned_data.get("mode") == "test"

    def api_body(self) -> dict[str, Any]:
        """What was typed, as the API's camelCase body (PartnerCreateInput)."""
        data = self.cleaned_data
        account = {
            "bank": data["bank"],
            "currency": data["account_currency"],
            "holder": data["account_holder"],
        }
        if data.get("account_number"):
            account["number"] = data["account_number"].strip()
        contact = {"name": data["contact_name"], "email": data["contact_email"]}
        if data.get("contact_phone"):
            contact["phoneNumber"] = data["contact_phone"]
        body: dict[str, Any] = {
            "name": data["name"],
            "memo": data.get("memo") or "",
            "tags": [tag.strip() for tag in (data.get("tags") or "").split(",") if tag.strip()],
            "defaultContractId": data[CONTRACT],
            "contact": contact,
            "account": account,
        }
        if data.get("public_id"):
            body["id"] = data["public_id"].strip()
        partner_type = data["partner_type"]
        if partner_type == PartnerType.BUSINESS:
            body["type"] = {
                "business": {
                    api: data[name]
                    for name, api in BUSINESS_COLUMNS.items()
                    if data.get(name) not in (None, "")
                }
            }
        else:
            birthdate: date | None = data.get("birthdate")
            body["type"] = {
                TYPE_KEYS[PartnerType(partner_type)]: (
                    {"birthdate": birthdate.isoformat()} if birthdate else {}
                )
            }
        properties = {
            name.removeprefix(UDP_PREFIX): {"string": data[name]}
            for name in self.udp_names()
            if data.get(name)
        }
        if properties or self.instance.pk:
            body["userDefinedProperties"] = properties
        return body

    def _post_clean(self) -> None:
        """Validate as the API does, then write through the service (nothing when refused)."""
        if self._errors:
            return
        creating = not self.instance.pk
        serializer = (PartnerCreateInput if creating else PartnerUpdateInput)(data=self.api_body())
        if not serializer.is_valid():
            for name, message in error_fields(serializer.errors):
                self._add(name, message)
            return
        change = partner_change(serializer.validated_data)
        if not creating:
            change = self.only_changes(change)
            if change is None:
                return
        try:
            with transaction.atomic():
                self.partner = self.write(change)
        except DomainError as exc:
            self.add_domain_error(exc)

    def only_changes(self, change: services.PartnerChange) -> services.PartnerChange | None:
        """The PATCH of an edit: the terms that differ from the partner's (blank account number
        or birth date: keep). None when nothing changed."""
        partner = self.instance
        current = self._base_terms(partner)
        terms = {
            name: value
            for name, value in change.terms.items()
            if not same(name, current.get(name), value)
        }
        if not self.cleaned_data.get("contact_phone") and current.get("contact_phone"):
            terms["contact_phone"] = None
        contract_id = change.contract_id if change.contract_id != current[CONTRACT] else None
        if not terms and contract_id is None:
            self.partner = partner
            return self.nothing_changed()
        return services.PartnerChange(terms=terms, contract_id=contract_id)

    def _base_terms(self, partner: Partner) -> dict[str, Any]:
        """What an edit is compared with: the partner as it is now."""
        terms = partner.terms()
        terms[CONTRACT] = partner.default_contract.public_id
        return terms

    def nothing_changed(self) -> None:
        return None

    def write(self, change: services.PartnerChange) -> Partner:
        if self.instance.pk:
            return services.partner_update(
                public_id=self.instance.public_id,
                is_for_test=self.instance.is_for_test,
                change=change,
            )
        return services.partner_create(is_for_test=self.is_for_test, change=change)

    def _add(self, name: str, message: str) -> None:
        self.add_error(name if name in self.fields else None, message)

    def add_domain_error(self, exc: DomainError) -> None:
        message = exc.message or exc.code
        name = ""
        match = _PREFIX.match(message)
        if match and match.group(1) in MESSAGE_FIELDS:
            name, message = MESSAGE_FIELDS[match.group(1)], match.group(2)
        elif exc.field:
            name = MESSAGE_FIELDS.get(exc.field) or API_PATHS.get(tuple(exc.field.split(".")), "")
        if not name:
            name = CODE_FIELDS.get(exc.code, "")
        self._add(name, message)

    # --- ModelAdmin's save path: the service already wrote -------------------------------

    def save(self, commit: bool = True) -> Partner:
        return self.partner or self.instance

    def save_m2m(self) -> None:
        return None


class PartnerScheduleForm(PartnerForm):
    """The same fields plus when the change applies; `partner_schedule` instead of an update.
    Starts from the pending schedule when there is one (saving replaces it)."""

    apply_at = forms.SplitDateTimeField(
        label="적용 시각",
        widget=uw.UnfoldAdminSplitDateTimeWidget(),
        help_text="이 시각에 위 내용이 적용됩니다 (미래 시각).",
    )

    def __init__(self, *args: Any, pending=None, **kwargs: Any) -> None:
        self.pending = pending
        super().__init__(*args, **kwargs)
        self.version = None

    def _current_terms(self, partner: Partner) -> dict[str, Any]:
        if self.pending is None:
            return super()._current_terms(partner)
        terms = versioning.projected_terms(services.PARTNER, partner, self.pending)
        pk = terms["default_contract_id"]
        terms[CONTRACT] = selectors.contract_public_ids([pk]).get(pk, "")
        return terms

    def nothing_changed(self) -> None:
        self.partner = None
        self.add_error(None, "지금과 달라지는 항목이 없습니다. 바꿀 내용을 입력하세요.")
        return None

    def write(self, change: services.PartnerChange) -> Partner:
        partner, self.version = services.partner_schedule(
            public_id=self.instance.public_id,
            is_for_test=self.instance.is_for_test,
            change=change,
            applied_at=self.cleaned_data["apply_at"],
            replace=self.pending is not None,
        )
        return partner


def form_class(base: type[PartnerForm], *, reveal: bool) -> type[PartnerForm]:
    """`base` with one field per declared user-defined property and the reveal flag."""
    attrs: dict[str, Any] = {"reveal": reveal, "__module__": __name__}
    for prop in declared_properties():
        attrs[udp_field_name(prop.key)] = _text(prop.label, max_length=1000, help_text=prop.key)
    return type(base.__name__, (base,), attrs)
