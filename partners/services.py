"""Partner writes and reads shared by the API, the admin, bulk files and tasks.

Validation that needs the database (contract exists and is usable, user-defined property keys,
verification ids) lives here so every entry point gets it; shape checks live in the serializers.
Nothing here speaks HTTP; outside lookups go through partners.providers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from ulid import ULID

from core import audit, pgcopy
from core.api.wire import graphql_id
from core.crypto import blind_index
from core.errors import ApiError, conflict, invalid_request, not_found
from core.perf import instance_factory
from core.versioning import services as versioning
from partners.banks import SUPPORTED_CURRENCIES
from partners.models import (
    AccountStatus,
    AccountVerification,
    BusinessStatus,
    CompanyVerification,
    ConnectionStatus,
    Partner,
    PartnerTag,
    PartnerType,
    PartnerVersion,
    TaxationType,
    UserDefinedProperty,
)
from policies.models import Contract

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

BUSINESS_FIELDS = (
    "company_name",
    "business_registration_number",
    "representative_name",
    "taxation_type",
    "company_address",
    "business_type",
    "business_class",
)
_TERM_NAMES = frozenset(Partner.TERMS)
REQUIRED_BUSINESS_FIELDS = ("company_name", "business_registration_number", "representative_name")
MAX_TAGS = 10


def _ids_error(type_: str, status: int, message: str, ids: Iterable[str]) -> ApiError:
    ids = sorted(set(ids))
    return ApiError(
        type_, message, status, ids=ids, graphqlIds=[graphql_id("partner", i) for i in ids]
    )


def new_partner_id() -> str:
    return str(ULID())


# --- reference checks ------------------------------------------------------------------------


def resolve_contracts(public_ids: Iterable[str], *, is_for_test: bool) -> dict[str, Contract]:
    """Usable (existing, not archived) contracts by public id; archived count as missing
    (domain.md §12.13)."""
    wanted = set(public_ids)
    versioning.promote_due(_contract_kind())
    found = {
        c.public_id: c
        for c in Contract.objects.filter(
            public_id__in=wanted, is_for_test=is_for_test, is_archived=False
        )
    }
    return found


def _contract_kind():
    from policies.services import CONTRACT

    return CONTRACT


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
        raise not_found(
            "PLATFORM_USER_DEFINED_PROPERTY_NOT_FOUND",
            f"등록되지 않은 사용자 정의 속성입니다: {', '.join(unknown)}",
        )


def check_currency(currency: str) -> None:
    if currency not in SUPPORTED_CURRENCIES:
        raise ApiError(
            "PLATFORM_CURRENCY_NOT_SUPPORTED",
            f"account.currency: 지원하지 않는 통화입니다: {currency} "
            f"(지원: {', '.join(SUPPORTED_CURRENCIES)})",
            400,
        )


def check_tags(tags: list[str]) -> None:
    if len(tags) > MAX_TAGS:
        raise invalid_request(f"tags: 태그는 최대 {MAX_TAGS}개입니다.")


def _consume_account_verification(
    verification_id: str, *, bank: str, number: str, is_for_test: bool
) -> AccountVerification:
    row = (
        AccountVerification.objects.select_for_update()
        .filter(public_id=verification_id, is_for_test=is_for_test)
        .first()
    )
    if row is None:
        raise not_found(
            "PLATFORM_ACCOUNT_VERIFICATION_NOT_FOUND",
            f"account.accountVerificationId: 예금주 조회 기록이 없습니다: {verification_id}",
        )
    if row.used_at is not None:
        raise conflict(
            "PLATFORM_ACCOUNT_VERIFICATION_ALREADY_USED",
            f"account.accountVerificationId: 이미 사용된 예금주 조회입니다: {verification_id}",
        )
    if row.bank != bank or row.account_number_index != blind_index(number):
        raise ApiError(
            "PLATFORM_ACCOUNT_VERIFICATION_FAILED",
            "account: 예금주 조회 때의 은행·계좌번호와 다릅니다.",
            400,
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
        raise invalid_request(
            f"type.business.companyVerificationId: 이 사업자등록번호의 조회 기록이 아닙니다: "
            f"{verification_id}"
        )
    if row.used_at is not None:
        raise conflict(
            "PLATFORM_COMPANY_VERIFICATION_ALREADY_USED",
            f"type.business.companyVerificationId: 이미 사용된 조회입니다: {verification_id}",
        )
    row.used_at = timezone.now()
    row.save(update_fields=["used_at"])
    return row


# --- terms ------------------------------------------------------------------------------------


def complete_type_terms(terms: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    """Normalise the type-specific fields after a create or update (domain.md §6.2).

    Changing to BUSINESS needs the three mandatory business fields (from the request or, when the
    partner already was a business, from its current terms); changing away clears them.
    """
    partner_type = terms.get("partner_type", current and current["partner_type"])
    merged = {**(current or {}), **terms}
    if partner_type == PartnerType.BUSINESS:
        missing = [f for f in REQUIRED_BUSINESS_FIELDS if not merged.get(f)]
        if missing:
            if current is None:
                raise invalid_request(f"type.business: 필수 항목이 없습니다: {', '.join(missing)}")
            raise ApiError(
                "PLATFORM_INSUFFICIENT_DATA_TO_CHANGE_PARTNER_TYPE",
                f"사업자로 바꾸려면 {', '.join(missing)} 값이 필요합니다.",
                400,
            )
        if not merged.get("taxation_type"):
            terms["taxation_type"] = TaxationType.NORMAL
        terms["birthdate"] = None
    elif "partner_type" in terms:
        for name in BUSINESS_FIELDS:
            terms[name] = None
    return terms


def _sync_tags(partners: list[Partner]) -> None:
    PartnerTag.objects.filter(partner__in=partners).delete()
    PartnerTag.objects.bulk_create(
        [PartnerTag(partner=p, tag=t) for p in partners for t in dict.fromkeys(p.tags or [])]
    )


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


def _prepare_create(item: dict[str, Any], *, known_properties: set[str]) -> dict[str, Any]:
    check_currency(item["terms"]["account_currency"])
    check_tags(item["terms"].get("tags") or [])
    check_user_defined_properties(
        item["terms"].get("user_defined_properties") or {}, known=known_properties
    )
    return complete_type_terms(dict(item["terms"]), None)


@transaction.atomic
def partner_create(*, is_for_test: bool, item: dict[str, Any]) -> Partner:
    """Create one partner. `item` = {"id"?, "contract_id", "terms", "account_verification_id"?,
    "company_verification_id"?} as produced by partners.api / partners.resources."""
    return partners_create(is_for_test=is_for_test, items=[item], single=True)[0]


@transaction.atomic
def partners_create(
    *, is_for_test: bool, items: list[dict[str, Any]], single: bool = False
) -> list[Partner]:
    """All or nothing; set-based (one query per check, bulk inserts) so files of 10^5 rows work."""
    ids = [item.get("id") or new_partner_id() for item in items]
    seen: set[str] = set()
    duplicated = {i for i in ids if i in seen or seen.add(i)}
    if duplicated:
        raise _ids_error(
            "PLATFORM_PARTNER_IDS_DUPLICATED",
            400,
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
            raise conflict(
                "PLATFORM_PARTNER_ID_ALREADY_EXISTS",
                f"이미 존재하는 파트너 아이디입니다: {', '.join(sorted(taken))}",
            )
        raise _ids_error(
            "PLATFORM_PARTNER_IDS_ALREADY_EXISTS", 409, "이미 존재하는 파트너 아이디입니다.", taken
        )
    contracts = resolve_contracts({item["contract_id"] for item in items}, is_for_test=is_for_test)
    missing = {item["contract_id"] for item in items} - set(contracts)
    if missing:
        if single:
            raise not_found(
                "PLATFORM_CONTRACT_NOT_FOUND",
                f"defaultContractId: 계약을 찾을 수 없습니다: {', '.join(missing)}",
            )
        raise ApiError(
            "PLATFORM_CONTRACTS_NOT_FOUND",
            "계약을 찾을 수 없습니다.",
            404,
            ids=sorted(missing),
            graphqlIds=[graphql_id("contract", i) for i in sorted(missing)],
        )

    known_properties = known_user_defined_properties(
        key for item in items for key in item["terms"].get("user_defined_properties") or {}
    )
    now = timezone.now()
    new_partner = instance_factory(Partner)  # Partner(**values) at a third of the cost
    partners = []
    for public_id, item in zip(ids, items, strict=True):
        terms = _prepare_create(item, known_properties=known_properties)
        account_verified = company_verified = None
        if item.get("account_verification_id"):
            account_verified = _consume_account_verification(
                item["account_verification_id"],
                bank=terms["bank"],
                number=terms["account_number"],
                is_for_test=is_for_test,
            )
        if item.get("company_verification_id"):
            company_verified = _consume_company_verification(
                item["company_verification_id"],
                brn=terms["business_registration_number"],
                is_for_test=is_for_test,
            )
        terms["default_contract_id"] = contracts[item["contract_id"]].pk
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

    created = _insert_new_partners(partners, now=now, is_for_test=is_for_test)
    for partner, item in zip(created, items, strict=True):
        partner.default_contract = contracts[item["contract_id"]]
    schedule_verification([p.pk for p in created if _needs_verification(p)])
    return created


def _insert_new_partners(
    partners: list[Partner], *, now: datetime, is_for_test: bool
) -> list[Partner]:
    """Write new partners with their history row, first version and tag rows.

    History rows carry who did it (core.audit.attribution: the staff user or the API secret's
    name), as a single save() would record it; the bulk writers below skip simple_history's
    signal, so they are given it explicitly.

    PostgreSQL uses COPY for partners and tags, and INSERT ... SELECT from the new partner rows
    for their history and version rows (core.pgcopy). Other databases keep
    bulk_create_with_history.
    """
    if not partners:
        return partners
    who = audit.attribution(partners[0])
    if pgcopy.is_available():
        return _copy_new_partners(partners, now=now, who=who)
    from simple_history.utils import bulk_create_with_history

    created = bulk_create_with_history(
        partners,
        Partner,
        batch_size=2000,
        default_user=who["history_user"],
        default_date=now,
        custom_historical_attrs={"history_api_secret": who["history_api_secret"]},
    )
    if any(p.pk is None for p in created):  # backends without RETURNING: fetch the ids
        by_id = dict(
            Partner.objects.filter(
                is_for_test=is_for_test, public_id__in=[p.public_id for p in created]
            ).values_list("public_id", "pk")
        )
        for p in created:
            p.pk = by_id[p.public_id]
    PartnerVersion.objects.bulk_create(
        [
            PartnerVersion(
                entity=p,
                state=PartnerVersion.State.APPLIED,
                applied_at=now,
                terms=versioning.terms_json(PARTNER, p.terms()),
            )
            for p in created
        ],
        batch_size=2000,
    )
    _sync_tags(created)
    return created


def _copy_new_partners(
    partners: list[Partner], *, now: datetime, who: dict[str, Any]
) -> list[Partner]:
    """PostgreSQL: partner rows are streamed into COPY as they are converted (each personal-data
    field encrypted once), so the server indexes them while Python works on the next rows; the
    history and version rows are then made by the server from the stored partner rows, so they
    hold the same encrypted tokens and cost no Python; tags are COPYed.

    Measured on the 2-core box for 100k partners (wall, PostgreSQL 15): bulk_create 123 s; COPY
    of all four tables from Python 14.4 s; this 7-8 s, of which the history and version
    INSERT ... SELECTs take 2-3 s with no Python work.
    """
    fields = Partner._meta.concrete_fields
    write = pgcopy.row_writer(fields)
    pks = pgcopy.reserve_ids(Partner, len(partners))

    def partner_rows() -> Iterator[list[Any]]:
        for pk, partner in zip(pks, partners, strict=True):
            partner.pk = pk
            partner.created_at = partner.updated_at = now
            yield write(partner)

    pgcopy.copy_rows(Partner, [f.column for f in fields], partner_rows())
    pgcopy.insert_history(Partner, pks, who=who, history_date=now)
    pgcopy.insert_snapshots(
        PartnerVersion,
        Partner,
        pks,
        names=Partner.TERMS,
        values={"state": PartnerVersion.State.APPLIED.value, "applied_at": now, "created_at": now},
    )
    pgcopy.copy_rows(
        PartnerTag,
        ["partner_id", "tag"],
        ((p.pk, tag) for p in partners for tag in dict.fromkeys(p.tags or [])),
    )
    alias = connection.alias
    for partner in partners:
        partner._state.adding = False
        partner._state.db = alias
    return partners


def _needs_verification(partner: Partner) -> bool:
    return (
        partner.account_status != AccountStatus.VERIFIED and partner.account_currency == "KRW"
    ) or (
        partner.partner_type == PartnerType.BUSINESS
        and partner.business_status == BusinessStatus.NOT_VERIFIED
    )


def schedule_verification(partner_pks: list[int]) -> None:
    """Verify accounts and business status in the background, in chunks, after commit."""
    if not partner_pks:
        return
    from django_q.tasks import async_task

    chunks = [partner_pks[i : i + 200] for i in range(0, len(partner_pks), 200)]
    transaction.on_commit(
        lambda: [async_task("partners.tasks.verify_partners", chunk) for chunk in chunks]
    )


# --- update -----------------------------------------------------------------------------------


def _prepare_changes(partner: Partner, change: dict[str, Any]) -> dict[str, Any]:
    terms = dict(change["terms"])
    if "account_currency" in terms:
        check_currency(terms["account_currency"])
    if "tags" in terms:
        check_tags(terms["tags"])
    if "user_defined_properties" in terms:
        check_user_defined_properties(terms["user_defined_properties"])
    if change.get("contract_id") is not None:
        contracts = resolve_contracts([change["contract_id"]], is_for_test=partner.is_for_test)
        if change["contract_id"] not in contracts:
            raise not_found(
                "PLATFORM_CONTRACT_NOT_FOUND",
                f"defaultContractId: 계약을 찾을 수 없습니다: {change['contract_id']}",
            )
        terms["default_contract_id"] = contracts[change["contract_id"]].pk
    connected = partner.member_company_connection_status == ConnectionStatus.CONNECTED
    if connected and terms.get("partner_type", partner.partner_type) != partner.partner_type:
        raise conflict(
            "PLATFORM_MEMBER_COMPANY_CONNECTED_PARTNER_TYPE_UNCHANGEABLE",
            "국세청 연동된 파트너의 유형은 바꿀 수 없습니다.",
        )
    if connected and terms.get("business_registration_number") not in (
        None,
        partner.business_registration_number,
    ):
        raise conflict(
            "PLATFORM_MEMBER_COMPANY_CONNECTED_PARTNER_BRN_UNCHANGEABLE",
            "국세청 연동된 파트너의 사업자등록번호는 바꿀 수 없습니다.",
        )
    return complete_type_terms(terms, partner.terms())


@transaction.atomic
def partner_update(*, public_id: str, is_for_test: bool, change: dict[str, Any]) -> Partner:
    partner = versioning.entity_get(
        PARTNER, public_id=public_id, is_for_test=is_for_test, for_update=True
    )
    if partner.is_archived:
        raise conflict(
            "PLATFORM_ARCHIVED_PARTNER", f"보관된 파트너는 수정할 수 없습니다: {public_id}"
        )
    before = partner.terms()
    terms = _prepare_changes(partner, change)
    account_verified = company_verified = None
    if change.get("account_verification_id"):
        account_verified = _consume_account_verification(
            change["account_verification_id"],
            bank=terms.get("bank", partner.bank),
            number=terms.get("account_number", partner.account_number),
            is_for_test=is_for_test,
        )
    if change.get("company_verification_id"):
        company_verified = _consume_company_verification(
            change["company_verification_id"],
            brn=terms.get("business_registration_number") or partner.business_registration_number,
            is_for_test=is_for_test,
        )
    partner = versioning.entity_update(
        PARTNER, public_id=public_id, is_for_test=is_for_test, changes=terms
    )
    after = partner.terms()
    _after_terms_change(partner, before, after, account_verified, company_verified)
    return partner


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
        _sync_tags([partner])
    if fields:
        partner.save(update_fields=[*fields, "updated_at"])
    if _needs_verification(partner):
        schedule_verification([partner.pk])


def partner_get(*, public_id: str, is_for_test: bool) -> Partner:
    return versioning.entity_get(PARTNER, public_id=public_id, is_for_test=is_for_test)


# --- schedules --------------------------------------------------------------------------------


def _check_schedulable_partner(partner: Partner) -> None:
    if partner.member_company_connection_status == ConnectionStatus.CONNECTED:
        raise conflict(
            "PLATFORM_MEMBER_COMPANY_CONNECTED_PARTNER_CANNOT_BE_SCHEDULED",
            "국세청 연동된 파트너에는 변경을 예약할 수 없습니다.",
        )


@transaction.atomic
def partner_schedule(
    *,
    public_id: str,
    is_for_test: bool,
    change: dict[str, Any],
    applied_at: datetime,
    replace: bool,
):
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
    *, partners: list[Partner], change: dict[str, Any], applied_at: datetime
) -> int:
    """Schedule one update for many partners (all or nothing, domain.md §5)."""
    if applied_at <= timezone.now():
        raise invalid_request("appliedAt: 미래 시각이어야 합니다.")
    archived = [p.public_id for p in partners if p.is_archived]
    if archived:
        raise conflict(
            "PLATFORM_ARCHIVED_PARTNERS_CANNOT_BE_SCHEDULED",
            f"보관된 파트너가 포함되어 있습니다: {', '.join(archived[:20])}",
        )
    connected = [
        p.public_id
        for p in partners
        if p.member_company_connection_status == ConnectionStatus.CONNECTED
    ]
    if connected:
        raise _ids_error(
            "PLATFORM_MEMBER_COMPANY_CONNECTED_PARTNERS_CANNOT_BE_SCHEDULED",
            409,
            "국세청 연동된 파트너가 포함되어 있습니다.",
            connected,
        )
    pending = set(
        PartnerVersion.objects.filter(
            entity__in=partners, state=PartnerVersion.State.SCHEDULED
        ).values_list("entity__public_id", flat=True)
    )
    if pending:
        raise _ids_error(
            "PLATFORM_PARTNER_SCHEDULES_ALREADY_EXIST",
            409,
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


# --- lookups ----------------------------------------------------------------------------------


def record_account_verification(
    *, is_for_test: bool, bank: str, number: str, holder: str
) -> AccountVerification:
    return AccountVerification.objects.create(
        public_id=new_partner_id(),
        is_for_test=is_for_test,
        bank=bank,
        account_number_index=blind_index(number),
        holder_name=holder,
    )


def record_company_verification(
    *,
    is_for_test: bool,
    brn: str,
    status: str,
    taxation_type: str = "",
    closed_on=None,
    raw: dict | None = None,
) -> CompanyVerification:
    return CompanyVerification.objects.create(
        public_id=new_partner_id(),
        is_for_test=is_for_test,
        business_registration_number=brn,
        status=status,
        taxation_type=taxation_type,
        closed_on=closed_on,
        raw=raw or {},
    )


# --- outside lookups (API and admin) ------------------------------------------------------------


def company_state_lookup(*, brn: str, is_for_test: bool) -> CompanyVerification:
    """휴폐업 조회 with a short cache: the same BRN asked again within
    COMPANY_STATE_CACHE_SECONDS reuses the stored answer (but gets its own single-use id)."""
    from datetime import timedelta

    from django.conf import settings

    from partners import providers

    ttl = getattr(settings, "COMPANY_STATE_CACHE_SECONDS", 3600)
    cached = (
        CompanyVerification.objects.filter(
            business_registration_number=brn,
            created_at__gte=timezone.now() - timedelta(seconds=ttl),
        )
        .order_by("-created_at")
        .first()
    )
    if cached is not None:
        return record_company_verification(
            is_for_test=is_for_test,
            brn=brn,
            status=cached.status,
            taxation_type=cached.taxation_type,
            closed_on=cached.closed_on,
            raw=cached.raw,
        )
    try:
        state = providers.get_company_state_client().lookup([brn])[brn]
    except providers.CompanyStateError as exc:
        raise ApiError(
            "PLATFORM_EXTERNAL_API_FAILED", f"국세청 조회 실패: {exc.message}", 503
        ) from exc
    return record_company_verification(
        is_for_test=is_for_test,
        brn=brn,
        status=state.status,
        taxation_type=state.taxation_type or "",
        closed_on=state.closed_on,
        raw={
            "statusText": state.status_text,
            "taxTypeText": state.tax_type_text,
            "taxationTypeChangedOn": state.taxation_type_changed_on.isoformat()
            if state.taxation_type_changed_on
            else None,
        },
    )


def account_holder_lookup(
    *, bank: str, number: str, identity: str | None, is_for_test: bool
) -> AccountVerification:
    """예금주 조회. Provider failures map onto the SDK's error types."""
    from partners import providers

    try:
        holder = providers.get_account_holder_client().lookup(
            bank=bank, account_number=number, birthdate_or_brn=identity
        )
    except ValueError as exc:
        raise invalid_request(str(exc)) from exc
    except providers.AccountHolderError as exc:
        if exc.reason == "NOT_SUPPORTED_BANK":
            raise ApiError("PLATFORM_NOT_SUPPORTED_BANK", exc.message, 400) from exc
        if not exc.permanent:
            raise ApiError("PLATFORM_EXTERNAL_API_TEMPORARILY_FAILED", exc.message, 503) from exc
        raise ApiError("PLATFORM_EXTERNAL_API_FAILED", exc.message, 503) from exc
    return record_account_verification(
        is_for_test=is_for_test, bank=bank, number=number, holder=holder.holder_name
    )


PENDING_NTS = (ConnectionStatus.CONNECT_PENDING, ConnectionStatus.DISCONNECT_PENDING)


@transaction.atomic
def partner_archive(*, public_id: str, is_for_test: bool) -> Partner:
    """Archive, refusing while a 국세청 연동 change is in flight (domain.md §5)."""
    partner = versioning.entity_get(
        PARTNER, public_id=public_id, is_for_test=is_for_test, for_update=True
    )
    if partner.member_company_connection_status in PENDING_NTS:
        raise conflict(
            "PLATFORM_PARTNER_PENDING_NTS_OPERATION",
            "국세청 연동 처리 중인 파트너는 보관할 수 없습니다.",
        )
    return versioning.entity_archive(PARTNER, public_id=public_id, is_for_test=is_for_test)


@transaction.atomic
def partner_recover(*, public_id: str, is_for_test: bool) -> Partner:
    partner = versioning.entity_get(
        PARTNER, public_id=public_id, is_for_test=is_for_test, for_update=True
    )
    if partner.member_company_connection_status in PENDING_NTS:
        raise conflict(
            "PLATFORM_PARTNER_PENDING_NTS_OPERATION",
            "국세청 연동 처리 중인 파트너는 복원할 수 없습니다.",
        )
    return versioning.entity_recover(PARTNER, public_id=public_id, is_for_test=is_for_test)
