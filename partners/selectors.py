"""Reads of partners shared by the API, the admin, files and settlements: the list filters (the
validated filter input of partners.inputs as a queryset), filter options, and contract ids.

Nothing here writes, except that reads first apply the schedules that have fallen due
(core.versioning.promote_due), so no read shows a stale version.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from core.crypto import blind_indexes
from core.versioning import services as versioning
from partners.models import Partner, PartnerTag, PartnerType
from partners.services.partners import PARTNER
from policies.models import Contract


def archived_contract_ids(public_ids: Iterable[str], *, is_for_test: bool) -> set[str]:
    """Which of `public_ids` are archived contracts (to say so instead of "not found")."""
    return set(
        Contract.objects.filter(
            public_id__in=set(public_ids), is_for_test=is_for_test, is_archived=True
        ).values_list("public_id", flat=True)
    )


def contract_public_id(partner: Partner, contract_pk: int) -> str:
    """The public id of a contract a partner's terms name (its current one is already loaded)."""
    if contract_pk == partner.default_contract_id:
        return partner.default_contract.public_id
    return Contract.objects.only("public_id").get(pk=contract_pk).public_id


def partners_of(*, is_for_test: bool) -> QuerySet:
    """Every partner of one mode, with its default contract."""
    return Partner.objects.filter(is_for_test=is_for_test).select_related("default_contract")


def partner_list(*, is_for_test: bool, filters: dict[str, Any]) -> QuerySet:
    """The API's partner list: `filters` applied, newest first, due schedules applied."""
    versioning.promote_due(PARTNER)
    return filter_partners(partners_of(is_for_test=is_for_test), filters).order_by(
        "-created_at", "-id"
    )


def _keyword_q(keyword: tuple[str, str] | None) -> Q:
    if keyword is None:
        return Q()
    key, text = keyword
    if key == "accountNumber":
        digits = "".join(ch for ch in text if ch.isdigit())
        if len(digits) <= 4:
            return Q(account_number_last4__endswith=digits)
        return Q(account_number_index__in=blind_indexes(digits))
    if key == "businessRegistrationNumber":
        return Q(business_registration_number__contains=text.replace("-", ""))
    field = {
        "id": "public_id",
        "name": "name",
        "email": "contact_email",
        "defaultContractId": "default_contract__public_id",
        "memo": "memo",
        "accountHolder": "account_holder",
    }[key]
    return Q(**{f"{field}__icontains": text})


_SIMPLE_FILTERS = {
    "banks": "bank__in",
    "accountCurrencies": "account_currency__in",
    "ids": "public_id__in",
    "contractIds": "default_contract__public_id__in",
    "accountStatuses": "account_status__in",
    "types": "partner_type__in",
    "taxationTypes": "taxation_type__in",
    "memberCompanyConnectionStatuses": "member_company_connection_status__in",
}


def filter_partners(qs: QuerySet, f: dict[str, Any]) -> QuerySet:
    """`f`: validated partners.inputs.PartnerFilter."""
    qs = qs.filter(is_archived=f["isArchived"]).filter(_keyword_q(f.get("keyword")))
    for key, lookup in _SIMPLE_FILTERS.items():
        if f.get(key):
            qs = qs.filter(**{lookup: f[key]})
    if f.get("businessStatuses"):  # only businesses have a business status
        qs = qs.filter(partner_type=PartnerType.BUSINESS, business_status__in=f["businessStatuses"])
    if f.get("tags"):
        qs = qs.filter(tag_rows__tag__in=f["tags"]).distinct()
    return qs


def filter_options(*, is_for_test: bool, is_archived: bool) -> dict[str, Any]:
    """The tags and default contracts of the partners of one mode and archive state:
    `{"tags": [...], "contracts": [{"public_id", "name"}, ...]}`, both sorted."""
    qs = Partner.objects.filter(is_for_test=is_for_test, is_archived=is_archived)
    tags = sorted(set(PartnerTag.objects.filter(partner__in=qs).values_list("tag", flat=True)))
    contracts = (
        Contract.objects.filter(partners__in=qs)
        .distinct()
        .order_by("name")
        .values("public_id", "name")
    )
    return {"tags": tags, "contracts": list(contracts)}


def usable_contracts(*, is_for_test: bool | None = None) -> list[tuple[str, str, bool]]:
    """Contracts a partner may name as its default (not archived): (public id, name, is_for_test),
    live before test, by name. `is_for_test` None: both modes (the admin's add form)."""
    qs = Contract.objects.filter(is_archived=False)
    if is_for_test is not None:
        qs = qs.filter(is_for_test=is_for_test)
    return list(
        qs.order_by("is_for_test", "name", "public_id").values_list(
            "public_id", "name", "is_for_test"
        )
    )


def contract_public_ids(pks: Iterable[int]) -> dict[int, str]:
    """Public ids of contracts by primary key (version snapshots store the key)."""
    return dict(Contract.objects.filter(pk__in=set(pks)).values_list("pk", "public_id"))
