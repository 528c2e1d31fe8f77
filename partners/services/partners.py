"""Partner writes shared by the API, the admin, bulk files and tasks: create (one or 10^5), update,
schedule, archive, recover.

Checks that need the database (the contract exists and is usable, user-defined property keys,
single-use verification ids) live here so every entry point gets them; shape checks live in the
input schemas (partners.inputs). Writes take `PartnerChange` (model field names) and refuse with
core.errors; nothing here speaks HTTP or knows the wire format. Outside lookups are
partners.services.lookups.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from ulid import ULID

from core.crypto import blind_index, blind_indexes
from core.errors import Conflict, DomainError, Invalid, NotFound, Refs, invalid
from core.perf import instance_factory
from core.versioning import services as versioning
from partners.domain.banks import SUPPORTED_CURRENCIES
from partners.models import (
    AccountStatus,
    AccountVerification,
    BusinessStatus,
    CompanyVerification,
    ConnectionStatus,
    Partner,
    PartnerType,
    PartnerVersion,
    TaxationType,
    UserDefinedProperty,
)
from partners.services.insert import insert_new_partners, sync_tags
from partners.services.verification import needs_verification, schedule_verification
from policies.models import Contract
from policies.services import CONTRACT

PARTNER = versioning.Kind(
    model=Partner,
    version_model=PartnerVersion,
    label="파트너",
    not_found="PLATFORM_PARTNER_NOT_FOUND",
    already_exists="PLATFORM_PARTNER_ID_ALREADY_EXISTS",
    archived="PLATFORM_ARCHIVED_PARTNER",
    cannot_archive_scheduled="PLATFORM_CANNOT_ARCHIVE_SCHEDULED_PARTNER",
    schedule_already_exists="PLATFORM_PARTNER_SCHEDULE_ALREADY_EXISTS",
    on_promote=lambda partner, before, after: _after_terms_change(partner, before, after),
)

BUSINESS_FIELDS = Partner.BUSINESS_TERMS
_TERM_NAMES = frozenset(Partner.TERMS)
REQUIRED_BUSINESS_FIELDS = ("company_name", "business_registration_number", "representative_name")
MAX_TAGS = 10


@dataclass(frozen=True, slots=True)
class PartnerChange:
    """One partner as a create or an update asks for it, in model field names.

    `terms`: versioned fields (Partner.TERMS names) to set; an update carries only the fields it
    changes, and every other field keeps its value. `contract_id`: the default contract's public
    id. The verification ids name single-use lookups (partners.services.lookups) that vouch for
    the account holder and the business status. partners.inputs.partner_change builds one from
    validated API input.
    """

    terms: Mapping[str, Any]
    id: str | None = None
    contract_id: str | None = None
    account_verification_id: str | None = None
    company_verification_id: str | None = None

    @classmethod
    def of(cls, item: PartnerChange | Mapping[str, Any]) -> PartnerChange:
        """Also takes the mapping form `{"id", "contract_id", "terms", "*_verification_id"}` that
        demo data, fixtures and benches write literally."""
        if isinstance(item, PartnerChange):
            return item
        return cls(
            terms=item["terms"],
            id=item.get("id"),
            contract_id=item.get("contract_id"),
            account_verification_id=item.get("account_verification_id"),
            company_verification_id=item.get("company_verification_id"),
        )


def _ids_refused(error: type[DomainError], code: str, message: str, ids: Iterable[str]):
    return error(code, message, ids=Refs.of("partner", sorted(set(ids))))


def new_partner_id() -> str:
    return str(ULID())


# --- reference checks ------------------------------------------------------------------------


def resolve_contracts(public_ids: Iterable[str], *, is_for_test: bool) -> dict[str, Contract]:
    """Usable (existing, not archived) contracts by public id; archived count as missing
    (docs/versioning.md#archived-references)."""
    wanted = set(public_ids)
    versioning.promote_due(CONTRACT)
    found = {
        c.public_id: c
        for c in Contract.objects.filter(
            public_id__in=wanted, is_for_test=is_for_test, is_archived=False
        )
    }
    return found


def known_user_defined_properties(keys: Iterable[str]) -> set[str]:
    """Which of `keys` are declared properties: one query for a whole batch."""
    wanted = set(keys)
    if not wanted:
        return set()
    return set(UserDefinedProperty.objects.filter(key__in=wanted).values_list("key", flat=True))


def check_user_defined_properties(values: dict[str, str], known: set[str] | None = None) -> None:
    """`known`: the result of known_user_defined_properties() for a batch (else one query)."""
    if not values:
        return
    if known is None:
        known = known_user_defined_properties(values)
    unknown = sorted(set(values) - known)
    if unknown:
        raise NotFound(
            "PLATFORM_USER_DEFINED_PROPERTY_NOT_FOUND",
            f"등록되지 않은 사용자 정의 속성입니다: {', '.join(unknown)}",
        )


def check_currency(currency: str) -> None:
    if currency not in SUPPORTED_CURRENCIES:
        raise Invalid(
            "PLATFORM_CURRENCY_NOT_SUPPORTED",
            f"account.currency: 지원하지 않는 통화입니다: {currency} "
            f"(지원: {', '.join(SUPPORTED_CURRENCIES)})",
        )


def check_tags(tags: list[str]) -> None:
    if len(tags) > MAX_TAGS:
        raise invalid(f"tags: 태그는 최대 {MAX_TAGS}개입니다.")


def _consume_account_verification(
    verification_id: str, *, bank: str, number: str, is_for_test: bool
) -> AccountVerification:
    row = (
        AccountVerification.objects.select_for_update()
        .filter(public_id=verification_id, is_for_test=is_for_test)
        .first()
    )
    if row is None:
        raise NotFound(
            "PLATFORM_ACCOUNT_VERIFICATION_NOT_FOUND",
            f"account.accountVerificationId: 예금주 조회 기록이 없습니다: {verification_id}",
        )
    if row.used_at is not None:
        raise Conflict(
            "PLATFORM_ACCOUNT_VERIFICATION_ALREADY_USED",
            f"account.accountVerificationId: 이미 사용된 예금주 조회입니다: {verification_id}",
        )
    if row.bank != bank or row.account_number_index not in blind_indexes(number):
        raise Invalid(
            "PLATFORM_ACCOUNT_VERIFICATION_FAILED",
            "account: 예금주 조회 때의 은행·계좌번호와 다릅니다.",
        )
    row.used_at = timezone.now()
    row.save(update_fields=["used_at"])
    return row


def _consume_company_verification(
    verification_id: str, *, brn: str, is_for_test: bool
) -> CompanyVerification:
    row = (
        CompanyVerification.objects.select_for_update()
        .filter(public_id=verification_id, is_for_test=is_for_test)
        .first()
    )
    if row is None or row.business_registration_number != brn:
        raise invalid(
            f"type.business.companyVerificationId: 이 사업자등록번호의 조회 기록이 아닙니다: "
            f"{verification_id}"
        )
    if row.used_at is not None:
        raise Conflict(
            "PLATFORM_COMPANY_VERIFICATION_ALREADY_USED",
            f"type.business.companyVerificationId: 이미 사용된 조회입니다: {verification_id}",
        )
    row.used_at = timezone.now()
    row.save(update_fields=["used_at"])
    return row


# --- terms ------------------------------------------------------------------------------------


def complete_type_terms(terms: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    """Normalise the type-specific fields after a create or update (docs/partners.md#type-changes).

    Changing to BUSINESS needs the three mandatory business fields (from the request or, when the
    partner already was a business, from its current terms); changing away clears them.
    """
    partner_type = terms.get("partner_type", current and current["partner_type"])
    merged = {**(current or {}), **terms}
    if partner_type == PartnerType.BUSINESS:
        missing = [f for f in REQUIRED_BUSINESS_FIELDS if not merged.get(f)]
        if missing:
            if current is None:
                raise invalid(f"type.business: 필수 항목이 없습니다: {', '.join(missing)}")
            raise Invalid(
                "PLATFORM_INSUFFICIENT_DATA_TO_CHANGE_PARTNER_TYPE",
                f"사업자로 바꾸려면 {', '.join(missing)} 값이 필요합니다.",
            )
        if not merged.get("taxation_type"):
            terms["taxation_type"] = TaxationType.NORMAL
        terms["birthdate"] = None
    elif "partner_type" in terms:
        for name in BUSINESS_FIELDS:
            terms[name] = None
    return terms


def _verification_fields(
    terms: dict[str, Any],
    *,
    account_verified: AccountVerification | None,
    company_verified: CompanyVerification | None,
) -> dict[str, Any]:
    now = timezone.now()
    extra: dict[str, Any] = {}
    if account_verified is not None:
        extra.update(
            account_status=AccountStatus.VERIFIED,
            account_verified_at=now,
            account_verification_message=f"예금주 {account_verified.holder_name}",
        )
    elif terms.get("account_currency", "KRW") != "KRW":
        extra.update(
            account_status=AccountStatus.NOT_VERIFIED,
            account_verification_message="원화 계좌만 예금주를 확인합니다.",
        )
    if company_verified is not None:
        extra.update(business_status=company_verified.status, business_verified_at=now)
    return extra


# --- create -----------------------------------------------------------------------------------


def _prepare_create(change: PartnerChange, *, known_properties: set[str]) -> dict[str, Any]:
    terms = change.terms
    check_currency(terms["account_currency"])
    check_tags(terms.get("tags") or [])
    check_user_defined_properties(
        terms.get("user_defined_properties") or {}, known=known_properties
    )
    return complete_type_terms(dict(terms), None)


@transaction.atomic
def partner_create(*, is_for_test: bool, change: PartnerChange) -> Partner:
    """Create one partner; refusals name the one id or contract (no id lists)."""
    return partners_create(is_for_test=is_for_test, items=[change], single=True)[0]


@transaction.atomic
def partners_create(
    *,
    is_for_test: bool,
    items: Sequence[PartnerChange | Mapping[str, Any]],
    single: bool = False,
) -> list[Partner]:
    """All or nothing; set-based (one query per check, bulk inserts) so files of 10^5 rows work.

    `items` are PartnerChange (or their mapping form, see PartnerChange.of)."""
    changes = [PartnerChange.of(item) for item in items]
    ids = [change.id or new_partner_id() for change in changes]
    seen: set[str] = set()
    duplicated = {i for i in ids if i in seen or seen.add(i)}
    if duplicated:
        raise _ids_refused(
            Invalid,
            "PLATFORM_PARTNER_IDS_DUPLICATED",
            "요청 안에서 파트너 아이디가 중복됩니다.",
            duplicated,
        )
    taken = set(
        Partner.objects.filter(is_for_test=is_for_test, public_id__in=ids).values_list(
            "public_id", flat=True
        )
    )
    if taken:
        if single:
            raise Conflict(
                "PLATFORM_PARTNER_ID_ALREADY_EXISTS",
                f"이미 존재하는 파트너 아이디입니다: {', '.join(sorted(taken))}",
            )
        raise _ids_refused(
            Conflict,
            "PLATFORM_PARTNER_IDS_ALREADY_EXISTS",
            "이미 존재하는 파트너 아이디입니다.",
            taken,
        )
    wanted = {change.contract_id for change in changes}
    contracts = resolve_contracts(wanted, is_for_test=is_for_test)
    missing = wanted - set(contracts)
    if missing:
        if single:
            raise NotFound(
                "PLATFORM_CONTRACT_NOT_FOUND",
                f"defaultContractId: 계약을 찾을 수 없습니다: {', '.join(missing)}",
            )
        raise NotFound(
            "PLATFORM_CONTRACTS_NOT_FOUND",
            "계약을 찾을 수 없습니다.",
            ids=Refs.of("contract", sorted(missing)),
        )

    known_properties = known_user_defined_properties(
        key for change in changes for key in change.terms.get("user_defined_properties") or {}
    )
    now = timezone.now()
    new_partner = instance_factory(Partner)  # Partner(**values) at a third of the cost
    partners = []
    for public_id, change in zip(ids, changes, strict=True):
        terms = _prepare_create(change, known_properties=known_properties)
        account_verified = company_verified = None
        if change.account_verification_id:
            account_verified = _consume_account_verification(
                change.account_verification_id,
                bank=terms["bank"],
                number=terms["account_number"],
                is_for_test=is_for_test,
            )
        if change.company_verification_id:
            company_verified = _consume_company_verification(
                change.company_verification_id,
                brn=terms["business_registration_number"],
                is_for_test=is_for_test,
            )
        terms["default_contract_id"] = contracts[change.contract_id].pk
        if not _TERM_NAMES.issuperset(terms):  # what Versioned.apply_terms refuses
            raise ValueError(f"not versioned fields of Partner: {set(terms) - _TERM_NAMES}")
        number = terms.get("account_number", "")
        digits = number if number.isdigit() else "".join(c for c in number if c.isdigit())
        partners.append(
            new_partner(
                public_id=public_id,
                is_for_test=is_for_test,
                applied_at=now,
                account_number_index=blind_index(number),
                account_number_last4=digits[-4:],
                **_verification_fields(
                    terms, account_verified=account_verified, company_verified=company_verified
                ),
                **terms,
            )
        )

    created = insert_new_partners(partners, kind=PARTNER, now=now, is_for_test=is_for_test)
    for partner, change in zip(created, changes, strict=True):
        partner.default_contract = contracts[change.contract_id]
    schedule_verification([p.pk for p in created if needs_verification(p)])
    return created


# --- update -----------------------------------------------------------------------------------


def _prepare_changes(partner: Partner, change: PartnerChange) -> dict[str, Any]:
    terms = dict(change.terms)
    if "account_currency" in terms:
        check_currency(terms["account_currency"])
    if "tags" in terms:
        check_tags(terms["tags"])
    if "user_defined_properties" in terms:
        check_user_defined_properties(terms["user_defined_properties"])
    if change.contract_id is not None:
        contracts = resolve_contracts([change.contract_id], is_for_test=partner.is_for_test)
        if change.contract_id not in contracts:
            raise NotFound(
                "PLATFORM_CONTRACT_NOT_FOUND",
                f"defaultContractId: 계약을 찾을 수 없습니다: {change.contract_id}",
            )
        terms["default_contract_id"] = contracts[change.contract_id].pk
    connected = partner.member_company_connection_status == ConnectionStatus.CONNECTED
    if connected and terms.get("partner_type", partner.partner_type) != partner.partner_type:
        raise Conflict(
            "PLATFORM_MEMBER_COMPANY_CONNECTED_PARTNER_TYPE_UNCHANGEABLE",
            "국세청 연동된 파트너의 유형은 바꿀 수 없습니다.",
        )
    if connected and terms.get("business_registration_number") not in (
        None,
        partner.business_registration_number,
    ):
        raise Conflict(
            "PLATFORM_MEMBER_COMPANY_CONNECTED_PARTNER_BRN_UNCHANGEABLE",
            "국세청 연동된 파트너의 사업자등록번호는 바꿀 수 없습니다.",
        )
    return complete_type_terms(terms, partner.terms())


@transaction.atomic
def partner_update(*, public_id: str, is_for_test: bool, change: PartnerChange) -> Partner:
    """Apply `change` now: only the fields it names change (a PATCH), and what it changes about
    the account or the business is verified again."""
    partner = versioning.entity_get(
        PARTNER, public_id=public_id, is_for_test=is_for_test, for_update=True
    )
    if partner.is_archived:
        raise Conflict(
            "PLATFORM_ARCHIVED_PARTNER", f"보관된 파트너는 수정할 수 없습니다: {public_id}"
        )
    before = partner.terms()
    terms = _prepare_changes(partner, change)
    account_verified = company_verified = None
    if change.account_verification_id:
        account_verified = _consume_account_verification(
            change.account_verification_id,
            bank=terms.get("bank", partner.bank),
            number=terms.get("account_number", partner.account_number),
            is_for_test=is_for_test,
        )
    if change.company_verification_id:
        company_verified = _consume_company_verification(
            change.company_verification_id,
            brn=terms.get("business_registration_number") or partner.business_registration_number,
            is_for_test=is_for_test,
        )
    partner = versioning.entity_update(
        PARTNER, public_id=public_id, is_for_test=is_for_test, changes=terms
    )
    after = partner.terms()
    _after_terms_change(partner, before, after, account_verified, company_verified)
    return partner


#: the partner terms its counterparty (거래처) copies (invoices.services.counterparties._snapshot)
COUNTERPARTY_KEYS = (
    "name",
    "company_name",
    "representative_name",
    "company_address",
    "business_type",
    "business_class",
    "taxation_type",
    "contact_name",
    "contact_email",
    "contact_phone",
)


def _after_terms_change(
    partner: Partner, before: dict, after: dict, account_verified=None, company_verified=None
) -> None:
    """Re-verify what changed: the account holder and (for businesses) the business status."""
    fields: list[str] = []
    account_keys = ("bank", "account_number", "account_holder", "account_currency")
    if account_verified is not None or any(before[k] != after[k] for k in account_keys):
        extra = _verification_fields(
            after, account_verified=account_verified, company_verified=None
        )
        partner.account_status = extra.get("account_status", AccountStatus.NOT_VERIFIED)
        partner.account_verified_at = extra.get("account_verified_at")
        partner.account_verification_message = extra.get("account_verification_message", "")
        fields += ["account_status", "account_verified_at", "account_verification_message"]
    brn_changed = before["business_registration_number"] != after["business_registration_number"]
    if (
        company_verified is not None
        or brn_changed
        or before["partner_type"] != after["partner_type"]
    ):
        if company_verified is not None:
            partner.business_status = company_verified.status
            partner.business_verified_at = timezone.now()
        else:
            partner.business_status = BusinessStatus.NOT_VERIFIED
            partner.business_verified_at = None
        fields += ["business_status", "business_verified_at"]
    if before["tags"] != after["tags"]:
        sync_tags([partner])
    if fields:
        partner.save(update_fields=[*fields, "updated_at"])
    if any(before.get(k) != after.get(k) for k in COUNTERPARTY_KEYS):
        # a partner connected to the NTS is a counterparty: its invoices are drafted from that copy
        from invoices.services.counterparties import sync_partner_counterparty

        sync_partner_counterparty(partner)
    if needs_verification(partner):
        schedule_verification([partner.pk])


def partner_get(*, public_id: str, is_for_test: bool) -> Partner:
    return versioning.entity_get(PARTNER, public_id=public_id, is_for_test=is_for_test)


# --- schedules --------------------------------------------------------------------------------


def _check_schedulable_partner(partner: Partner) -> None:
    if partner.member_company_connection_status == ConnectionStatus.CONNECTED:
        raise Conflict(
            "PLATFORM_MEMBER_COMPANY_CONNECTED_PARTNER_CANNOT_BE_SCHEDULED",
            "국세청 연동된 파트너에는 변경을 예약할 수 없습니다.",
        )


@transaction.atomic
def partner_schedule(
    *,
    public_id: str,
    is_for_test: bool,
    change: PartnerChange,
    applied_at: datetime,
    replace: bool,
) -> tuple[Partner, PartnerVersion]:
    """Schedule `change` (merged onto the terms in force when it applies) for `applied_at`;
    `replace` cancels a pending schedule instead of refusing."""
    partner = versioning.entity_get(
        PARTNER, public_id=public_id, is_for_test=is_for_test, for_update=True
    )
    _check_schedulable_partner(partner)
    terms = _prepare_changes(partner, change)
    service = versioning.schedule_replace if replace else versioning.schedule_create
    return service(
        PARTNER, public_id=public_id, is_for_test=is_for_test, changes=terms, applied_at=applied_at
    )


@transaction.atomic
def partners_schedule(
    *, partners: list[Partner], change: PartnerChange, applied_at: datetime
) -> int:
    """Schedule one update for many partners (all or nothing,
    docs/versioning.md#versioned-entities). Bulk schedules may change type details, never the
    partner type."""
    new_type = change.terms.get("partner_type")
    if new_type is not None and any(p.partner_type != new_type for p in partners):
        raise invalid("update.type: 일괄 예약으로는 파트너 유형을 바꿀 수 없습니다.")
    if applied_at <= timezone.now():
        raise invalid("appliedAt: 미래 시각이어야 합니다.")
    archived = [p.public_id for p in partners if p.is_archived]
    if archived:
        raise Conflict(
            "PLATFORM_ARCHIVED_PARTNERS_CANNOT_BE_SCHEDULED",
            f"보관된 파트너가 포함되어 있습니다: {', '.join(archived[:20])}",
        )
    connected = [
        p.public_id
        for p in partners
        if p.member_company_connection_status == ConnectionStatus.CONNECTED
    ]
    if connected:
        raise _ids_refused(
            Conflict,
            "PLATFORM_MEMBER_COMPANY_CONNECTED_PARTNERS_CANNOT_BE_SCHEDULED",
            "국세청 연동된 파트너가 포함되어 있습니다.",
            connected,
        )
    pending = set(
        PartnerVersion.objects.filter(
            entity__in=partners, state=PartnerVersion.State.SCHEDULED
        ).values_list("entity__public_id", flat=True)
    )
    if pending:
        raise _ids_refused(
            Conflict,
            "PLATFORM_PARTNER_SCHEDULES_ALREADY_EXIST",
            "이미 예약된 변경이 있는 파트너가 포함되어 있습니다.",
            pending,
        )
    versions = []
    for partner in partners:
        terms = _prepare_changes(partner, change)
        versions.append(
            PartnerVersion(
                entity=partner,
                state=PartnerVersion.State.SCHEDULED,
                applied_at=applied_at,
                changes=versioning.terms_json(PARTNER, terms),
            )
        )
    PartnerVersion.objects.bulk_create(versions, batch_size=2000)
    return len(versions)


# --- archive -------------------------------------------------------------------------------


PENDING_NTS = (ConnectionStatus.CONNECT_PENDING, ConnectionStatus.DISCONNECT_PENDING)


def _lock_unless_nts_pending(*, public_id: str, is_for_test: bool, verb: str) -> None:
    partner = versioning.entity_get(
        PARTNER, public_id=public_id, is_for_test=is_for_test, for_update=True
    )
    if partner.member_company_connection_status in PENDING_NTS:
        raise Conflict(
            "PLATFORM_PARTNER_PENDING_NTS_OPERATION",
            f"국세청 연동 처리 중인 파트너는 {verb}할 수 없습니다.",
        )


@transaction.atomic
def partner_archive(*, public_id: str, is_for_test: bool) -> Partner:
    """Archive, refusing while a 국세청 연동 change is in flight
    (docs/versioning.md#versioned-entities)."""
    _lock_unless_nts_pending(public_id=public_id, is_for_test=is_for_test, verb="보관")
    return versioning.entity_archive(PARTNER, public_id=public_id, is_for_test=is_for_test)


@transaction.atomic
def partner_recover(*, public_id: str, is_for_test: bool) -> Partner:
    """Recover, refusing while a 국세청 연동 change is in flight."""
    _lock_unless_nts_pending(public_id=public_id, is_for_test=is_for_test, verb="복원")
    return versioning.entity_recover(PARTNER, public_id=public_id, is_for_test=is_for_test)
