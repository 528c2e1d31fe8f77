"""Every partner operation of portone-server-sdk 0.21.0 against the live server."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone
from portone_server_sdk import errors
from portone_server_sdk.common import PageInput
from portone_server_sdk.platform import (
    PlatformPartnerFilterInput,
    PlatformPartnerFilterInputKeyword,
    PlatformProperties,
    PlatformUserDefinedPropertyValue,
    SchedulePlatformPartnersBodyUpdate,
    SchedulePlatformPartnersBodyUpdateContact,
    SchedulePlatformPartnersBodyUpdateType,
    SchedulePlatformPartnersBodyUpdateTypeWhtPayer,
    UpdatePlatformPartnerBody,
    UpdatePlatformPartnerBodyAccount,
    UpdatePlatformPartnerBodyContact,
    UpdatePlatformPartnerBodyType,
    UpdatePlatformPartnerBodyTypeBusiness,
    UpdatePlatformPartnerBodyTypeWhtPayer,
)
from portone_server_sdk.platform.partner import (
    CreatePlatformPartnerBody,
    CreatePlatformPartnerBodyAccount,
    CreatePlatformPartnerBodyContact,
    CreatePlatformPartnerBodyType,
    CreatePlatformPartnerBodyTypeBusiness,
    CreatePlatformPartnerBodyTypeNonWhtPayer,
    CreatePlatformPartnerBodyTypeWhtPayer,
)

from core.versioning import services as versioning
from core.wire import graphql_id
from partners.models import Partner, PartnerVersion, UserDefinedProperty
from partners.services.partners import PARTNER
from partners.services.verification import verify_partners
from tests.factories import make_contract

pytestmark = pytest.mark.django_db(transaction=True)

VALID_BRN = "1208147521"


def business(brn: str = VALID_BRN, **kw) -> CreatePlatformPartnerBodyType:
    return CreatePlatformPartnerBodyType(
        business=CreatePlatformPartnerBodyTypeBusiness(
            company_name=kw.pop("company_name", "주식회사 가나다"),
            business_registration_number=brn,
            representative_name="김대표",
            **kw,
        )
    )


def body(**overrides) -> dict:
    values = dict(
        name="가나다 상점",
        contact=CreatePlatformPartnerBodyContact(
            name="이담당", email="owner@example.com", phone_number="010-1234-5678"
        ),
        account=CreatePlatformPartnerBodyAccount(
            bank="KOOKMIN", currency="KRW", number="110-123-456789", holder="주식회사 가나다"
        ),
        default_contract_id="c-1",
        tags=["패션", "신규"],
        type=business(),
    )
    values.update(overrides)
    return values


@pytest.fixture
def contract(db):
    return make_contract("c-1", name="기본 계약")


def test_create_business_partner_returns_every_field(portone, contract):
    partner = portone.platform.partner.create_platform_partner(
        id="p-1", memo="첫 파트너", **body()
    ).partner
    assert partner.id == "p-1"
    assert partner.graphql_id == graphql_id("partner", "p-1")
    assert partner.name == "가나다 상점"
    assert partner.contact.email == "owner@example.com"
    assert partner.contact.phone_number == "010-1234-5678"
    assert partner.account.bank == "KOOKMIN"
    assert partner.account.number == "110123456789"
    assert partner.account.status == "NOT_VERIFIED"
    assert partner.status == "APPROVED"
    assert partner.default_contract_id == "c-1"
    assert partner.tags == ["패션", "신규"]
    assert partner.type.business_registration_number == VALID_BRN
    assert partner.type.taxation_type == "NORMAL"
    assert partner.type.business_status == "NOT_VERIFIED"
    assert partner.type.member_company_connection_status == "NOT_CONNECTED"
    assert partner.memo == "첫 파트너"
    assert partner.is_for_test is False
    assert partner.user_defined_properties.additional_properties == {}


def test_personal_data_is_encrypted_at_rest(portone, contract):
    portone.platform.partner.create_platform_partner(
        id="enc",
        **body(
            type=CreatePlatformPartnerBodyType(
                wht_payer=CreatePlatformPartnerBodyTypeWhtPayer(birthdate="1990-01-31")
            )
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT account_number, birthdate FROM partners_partner WHERE public_id = %s", ["enc"]
        )
        account_number, birthdate = cursor.fetchone()
    assert "110123456789" not in account_number
    assert "1990" not in birthdate
    partner = Partner.objects.get(public_id="enc")
    assert partner.account_number == "110123456789"
    assert partner.birthdate == "1990-01-31"
    assert partner.masked_account_number == "********6789"
    version = PartnerVersion.objects.get(entity=partner)
    assert "110123456789" not in str(version.terms)


def test_individual_types(portone, contract):
    client = portone.platform.partner
    wht = client.create_platform_partner(
        **body(
            type=CreatePlatformPartnerBodyType(
                wht_payer=CreatePlatformPartnerBodyTypeWhtPayer(birthdate="1990-01-31")
            )
        )
    ).partner
    assert type(wht.type).__name__ == "PlatformPartnerTypeWhtPayer"
    assert wht.type.birthdate == "1990-01-31"
    other = client.create_platform_partner(
        **body(
            type=CreatePlatformPartnerBodyType(
                non_wht_payer=CreatePlatformPartnerBodyTypeNonWhtPayer()
            )
        )
    ).partner
    assert type(other.type).__name__ == "PlatformPartnerTypeNonWhtPayer"
    assert other.type.birthdate is None


@pytest.mark.parametrize(
    ("overrides", "error", "needle"),
    [
        (
            {"type": business("1208147522")},
            errors.InvalidRequestError,
            "businessRegistrationNumber",
        ),
        (
            {
                "account": CreatePlatformPartnerBodyAccount(
                    bank="NOT_A_BANK", currency="KRW", number="1234567", holder="x"
                )
            },
            errors.InvalidRequestError,
            "account.bank",
        ),
        (
            {
                "account": CreatePlatformPartnerBodyAccount(
                    bank="KOOKMIN", currency="XYZ", number="1234567", holder="x"
                )
            },
            errors.PlatformCurrencyNotSupportedError,
            "account.currency",
        ),
        (
            {"default_contract_id": "missing"},
            errors.PlatformContractNotFoundError,
            "defaultContractId",
        ),
        (
            {
                "user_defined_properties": PlatformProperties(
                    additional_properties={"unknown": PlatformUserDefinedPropertyValue(string="x")}
                )
            },
            errors.PlatformUserDefinedPropertyNotFoundError,
            "unknown",
        ),
        ({"tags": [str(i) for i in range(11)]}, errors.InvalidRequestError, "tags"),
    ],
)
def test_bad_input_answers_the_sdk_error_and_writes_nothing(
    portone, contract, overrides, error, needle
):
    with pytest.raises(error) as exc:
        portone.platform.partner.create_platform_partner(**body(**overrides))
    assert needle in (exc.value.message or "")
    assert Partner.objects.count() == 0
    assert PartnerVersion.objects.count() == 0


def test_missing_business_field_and_archived_contract(portone, contract):
    with pytest.raises(errors.InvalidRequestError) as exc:
        portone.platform.partner.create_platform_partner(
            **body(
                type=CreatePlatformPartnerBodyType(
                    business=CreatePlatformPartnerBodyTypeBusiness(
                        company_name="",
                        business_registration_number=VALID_BRN,
                        representative_name="김",
                    )
                )
            )
        )
    assert "companyName" in exc.value.message
    portone.platform.policy.archive_platform_contract(id="c-1")
    with pytest.raises(errors.PlatformContractNotFoundError):
        portone.platform.partner.create_platform_partner(**body())
    assert Partner.objects.count() == 0


def test_duplicate_id(portone, contract):
    portone.platform.partner.create_platform_partner(id="dup", **body())
    with pytest.raises(errors.PlatformPartnerIdAlreadyExistsError):
        portone.platform.partner.create_platform_partner(id="dup", **body(name="다른"))
    assert Partner.objects.get(public_id="dup").name == "가나다 상점"


def test_user_defined_properties_round_trip(portone, contract):
    UserDefinedProperty.objects.create(key="sellerGrade", label="셀러 등급")
    partner = portone.platform.partner.create_platform_partner(
        **body(
            user_defined_properties=PlatformProperties(
                additional_properties={
                    "sellerGrade": PlatformUserDefinedPropertyValue(string="VIP")
                }
            )
        )
    ).partner
    assert partner.user_defined_properties.additional_properties["sellerGrade"].string == "VIP"


def test_batch_is_all_or_nothing(portone, contract):
    client = portone.platform.partner

    def item(pid, **kw):
        return CreatePlatformPartnerBody(id=pid, **body(**kw))

    created = client.create_platform_partners(partners=[item("b-1"), item("b-2")]).partners
    assert [p.id for p in created] == ["b-1", "b-2"]

    with pytest.raises(errors.PlatformPartnerIdsDuplicatedError) as exc:
        client.create_platform_partners(partners=[item("b-3"), item("b-3")])
    assert exc.value.ids == ["b-3"]
    with pytest.raises(errors.PlatformPartnerIdsAlreadyExistError) as exc:
        client.create_platform_partners(partners=[item("b-4"), item("b-1")])
    assert exc.value.ids == ["b-1"]
    with pytest.raises(errors.PlatformContractsNotFoundError) as exc:
        client.create_platform_partners(
            partners=[item("b-5"), item("b-6", default_contract_id="nope")]
        )
    assert exc.value.ids == ["nope"]
    assert set(Partner.objects.values_list("public_id", flat=True)) == {"b-1", "b-2"}


def test_get_update_archive_recover(portone, contract):
    make_contract("c-2", name="두번째 계약")
    client = portone.platform.partner
    client.create_platform_partner(id="u", **body())
    assert client.get_platform_partner(id="u").name == "가나다 상점"
    with pytest.raises(errors.PlatformPartnerNotFoundError):
        client.get_platform_partner(id="nope")

    updated = client.update_platform_partner(
        id="u",
        name="새 이름",
        default_contract_id="c-2",
        tags=["VIP"],
        account=UpdatePlatformPartnerBodyAccount(
            bank="SHINHAN", currency="KRW", number="100-200-300400", holder="가나다"
        ),
    ).partner
    assert (updated.name, updated.default_contract_id, updated.tags) == ("새 이름", "c-2", ["VIP"])
    assert updated.account.bank == "SHINHAN"
    assert updated.type.company_name == "주식회사 가나다"
    assert PartnerVersion.objects.filter(entity__public_id="u").count() == 2

    # changing type to an individual clears the business fields
    changed = client.update_platform_partner(
        id="u",
        type=UpdatePlatformPartnerBodyType(
            wht_payer=UpdatePlatformPartnerBodyTypeWhtPayer(birthdate="1985-05-05")
        ),
    ).partner
    assert changed.type.birthdate == "1985-05-05"
    with pytest.raises(errors.PlatformInsufficientDataToChangePartnerTypeError):
        client.update_platform_partner(
            id="u",
            type=UpdatePlatformPartnerBodyType(
                business=UpdatePlatformPartnerBodyTypeBusiness(company_name="회사")
            ),
        )

    assert client.archive_platform_partner(id="u").partner.is_archived is True
    with pytest.raises(errors.PlatformArchivedPartnerError):
        client.update_platform_partner(id="u", name="x")
    assert client.recover_platform_partner(id="u").partner.is_archived is False


def test_list_filters_keywords_and_options(portone, contract):
    make_contract("c-2", name="두번째 계약")
    client = portone.platform.partner
    client.create_platform_partner(id="l-1", **body(tags=["패션"]))
    client.create_platform_partner(
        id="l-2",
        **body(
            name="홍길동",
            tags=["도서"],
            default_contract_id="c-2",
            account=CreatePlatformPartnerBodyAccount(
                bank="SHINHAN", currency="USD", number="999-888-7777", holder="홍길동"
            ),
            type=CreatePlatformPartnerBodyType(wht_payer=CreatePlatformPartnerBodyTypeWhtPayer()),
        ),
    )
    client.create_platform_partner(id="l-3", **body(tags=["패션", "VIP"]))
    client.archive_platform_partner(id="l-3")

    def ids(**kw):
        return {
            p.id
            for p in client.get_platform_partners(filter=PlatformPartnerFilterInput(**kw)).items
        }

    assert ids() == {"l-1", "l-2"}
    assert ids(is_archived=True) == {"l-3"}
    assert ids(tags=["패션"]) == {"l-1"}
    assert ids(tags=["도서", "패션"]) == {"l-1", "l-2"}
    assert ids(contract_ids=["c-2"]) == {"l-2"}
    assert ids(types=["WHT_PAYER"]) == {"l-2"}
    assert ids(banks=["SHINHAN"]) == {"l-2"}
    assert ids(account_currencies=["USD"]) == {"l-2"}
    assert ids(ids=["l-1", "l-3"]) == {"l-1"}
    assert ids(business_statuses=["NOT_VERIFIED"]) == {"l-1"}
    assert ids(taxation_types=["NORMAL"]) == {"l-1"}
    assert ids(keyword=PlatformPartnerFilterInputKeyword(name="길동")) == {"l-2"}
    assert ids(keyword=PlatformPartnerFilterInputKeyword(account_number="9998887777")) == {"l-2"}
    assert ids(keyword=PlatformPartnerFilterInputKeyword(account_number="6789")) == {"l-1"}
    assert ids(
        keyword=PlatformPartnerFilterInputKeyword(business_registration_number="120-81")
    ) == {"l-1"}
    assert ids(keyword=PlatformPartnerFilterInputKeyword(email="owner@")) == {"l-1", "l-2"}
    assert ids(keyword=PlatformPartnerFilterInputKeyword(account_holder="홍")) == {"l-2"}
    assert ids(keyword=PlatformPartnerFilterInputKeyword(default_contract_id="c-2")) == {"l-2"}

    page = client.get_platform_partners(page=PageInput(number=0, size=1))
    assert page.page.total_count == 2 and len(page.items) == 1

    options = portone.platform.get_platform_partner_filter_options()
    assert options.tags == ["도서", "패션"]
    assert {(c.id, c.name) for c in options.contract_summary} == {
        ("c-1", "기본 계약"),
        ("c-2", "두번째 계약"),
    }
    archived_options = portone.platform.get_platform_partner_filter_options(is_archived=True)
    assert archived_options.tags == ["VIP", "패션"]
    assert client.get_platform_partners(test=True).items == []


def test_schedule_family(portone, contract):
    portone.platform.partner.create_platform_partner(id="s", **body())
    platform = portone.platform
    when = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    scheduled = platform.schedule_partner(
        id="s", update=UpdatePlatformPartnerBody(name="예약 이름"), applied_at=when.isoformat()
    ).scheduled_partner
    assert scheduled.name == "예약 이름"
    assert datetime.fromisoformat(scheduled.applied_at) == when
    assert portone.platform.partner.get_platform_partner(id="s").name == "가나다 상점"
    with pytest.raises(errors.PlatformPartnerScheduleAlreadyExistsError):
        platform.schedule_partner(
            id="s", update=UpdatePlatformPartnerBody(name="x"), applied_at=when.isoformat()
        )
    with pytest.raises(errors.PlatformCannotArchiveScheduledPartnerError):
        portone.platform.partner.archive_platform_partner(id="s")
    assert platform.get_platform_partner_schedule(id="s").name == "예약 이름"
    rescheduled = platform.reschedule_partner(
        id="s",
        update=UpdatePlatformPartnerBody(tags=["예약"]),
        applied_at=(when + timedelta(days=1)).isoformat(),
    ).scheduled_partner
    assert rescheduled.tags == ["예약"]
    assert rescheduled.name == "가나다 상점"
    platform.cancel_platform_partner_schedule(id="s")
    with pytest.raises(errors.PlatformPartnerNotFoundError):
        platform.get_platform_partner_schedule(id="s")


def test_bulk_schedule_by_filter(portone, contract):
    client = portone.platform.partner
    for pid in ("x-1", "x-2"):
        client.create_platform_partner(id=pid, **body(tags=["대상"]))
    client.create_platform_partner(id="x-3", **body(tags=["제외"]))
    when = (timezone.now() + timedelta(days=3)).isoformat()
    portone.platform.schedule_platform_partners(
        filter=PlatformPartnerFilterInput(tags=["대상"]),
        update=SchedulePlatformPartnersBodyUpdate(memo="일괄 예약"),
        applied_at=when,
    )
    assert set(
        PartnerVersion.objects.filter(state="SCHEDULED").values_list("entity__public_id", flat=True)
    ) == {"x-1", "x-2"}
    with pytest.raises(errors.PlatformPartnerSchedulesAlreadyExistError) as exc:
        portone.platform.schedule_platform_partners(
            filter=PlatformPartnerFilterInput(ids=["x-1", "x-3"]),
            update=SchedulePlatformPartnersBodyUpdate(memo="또"),
            applied_at=when,
        )
    assert exc.value.ids == ["x-1"]
    with pytest.raises(errors.InvalidRequestError):
        portone.platform.schedule_platform_partners(
            filter=PlatformPartnerFilterInput(ids=["x-3"]),
            update=SchedulePlatformPartnersBodyUpdate(
                type=SchedulePlatformPartnersBodyUpdateType(
                    wht_payer=SchedulePlatformPartnersBodyUpdateTypeWhtPayer()
                )
            ),
            applied_at=when,
        )
    client.archive_platform_partner(id="x-3")
    with pytest.raises(errors.PlatformArchivedPartnersCannotBeScheduledError):
        portone.platform.schedule_platform_partners(
            filter=PlatformPartnerFilterInput(is_archived=True),
            update=SchedulePlatformPartnersBodyUpdate(memo="보관"),
            applied_at=when,
        )


def test_test_mode_is_separate(portone, contract):
    make_contract("c-1", is_for_test=True)
    client = portone.platform.partner
    client.create_platform_partner(id="same", **body())
    client.create_platform_partner(id="same", test=True, **body(name="테스트"))
    assert client.get_platform_partner(id="same", test=True).name == "테스트"
    assert client.get_platform_partner(id="same").name == "가나다 상점"


# --- updates are PATCHes at every depth (issue 8, item 6) -----------------------------------------


def test_update_with_part_of_the_contact_changes_only_that_field(portone, contract):
    client = portone.platform.partner
    client.create_platform_partner(id="c", memo="메모", **body())

    updated = client.update_platform_partner(
        id="c", contact=UpdatePlatformPartnerBodyContact(email="new@example.com")
    ).partner

    assert (updated.contact.name, updated.contact.email, updated.contact.phone_number) == (
        "이담당",
        "new@example.com",
        "010-1234-5678",
    )
    assert (updated.name, updated.memo, updated.tags) == ("가나다 상점", "메모", ["패션", "신규"])
    assert updated.account.number == "110123456789"
    assert updated.type.company_name == "주식회사 가나다"
    stored = Partner.objects.get(public_id="c")
    assert (stored.contact_name, stored.contact_email) == ("이담당", "new@example.com")
    assert PartnerVersion.objects.filter(entity=stored).count() == 2


def test_update_with_part_of_the_business_details_keeps_the_others(portone, contract):
    client = portone.platform.partner
    client.create_platform_partner(
        id="b", **body(type=business(company_address="서울특별시 중구 세종대로 110"))
    )

    updated = client.update_platform_partner(
        id="b",
        type=UpdatePlatformPartnerBodyType(
            business=UpdatePlatformPartnerBodyTypeBusiness(business_type="제조")
        ),
    ).partner

    assert updated.type.business_type == "제조"
    assert updated.type.company_name == "주식회사 가나다"
    assert updated.type.business_registration_number == VALID_BRN
    assert updated.type.representative_name == "김대표"
    assert updated.type.company_address == "서울특별시 중구 세종대로 110"
    assert updated.type.taxation_type == "NORMAL"
    assert updated.contact.name == "이담당"


def test_update_with_part_of_the_account_keeps_the_rest_and_verifies_it_again(portone, contract):
    from django_q.models import OrmQ

    client = portone.platform.partner
    client.create_platform_partner(
        id="a",
        **body(
            account=CreatePlatformPartnerBodyAccount(
                bank="KOOKMIN", currency="KRW", number="1101234565", holder="(주)샌드박스"
            )
        ),
    )
    verify_partners([Partner.objects.get(public_id="a").pk])
    assert Partner.objects.get(public_id="a").account_status == "VERIFIED"
    queued = OrmQ.objects.count()

    # The SDK's account type wants all four fields; a plain JSON client may send one.
    updated = client.update_platform_partner(id="a", account={"number": "110-123-4560"}).partner

    assert (updated.account.bank, updated.account.currency, updated.account.holder) == (
        "KOOKMIN",
        "KRW",
        "(주)샌드박스",
    )
    assert updated.account.number == "1101234560"
    assert updated.account.status == "NOT_VERIFIED"
    assert OrmQ.objects.count() > queued, "verification is queued again"
    verify_partners([Partner.objects.get(public_id="a").pk])
    assert Partner.objects.get(public_id="a").account_status == "VERIFY_FAILED"  # bank: 홍길동

    renamed = client.update_platform_partner(id="a", account={"holder": "홍길동"}).partner

    assert (renamed.account.number, renamed.account.holder) == ("1101234560", "홍길동")
    assert renamed.account.status == "NOT_VERIFIED"
    verify_partners([Partner.objects.get(public_id="a").pk])
    assert Partner.objects.get(public_id="a").account_status == "VERIFIED"


def test_a_partial_type_change_to_business_still_needs_the_mandatory_fields(portone, contract):
    client = portone.platform.partner
    client.create_platform_partner(
        id="w",
        **body(
            type=CreatePlatformPartnerBodyType(
                wht_payer=CreatePlatformPartnerBodyTypeWhtPayer(birthdate="1990-01-02")
            )
        ),
    )

    with pytest.raises(errors.PlatformInsufficientDataToChangePartnerTypeError):
        client.update_platform_partner(
            id="w",
            type=UpdatePlatformPartnerBodyType(
                business=UpdatePlatformPartnerBodyTypeBusiness(company_name="회사")
            ),
        )
    assert Partner.objects.get(public_id="w").partner_type == "WHT_PAYER"


def test_a_schedule_with_part_of_the_contact_merges_when_it_applies(portone, contract):
    portone.platform.partner.create_platform_partner(id="s", **body())
    when = timezone.now() + timedelta(days=2)

    scheduled = portone.platform.schedule_partner(
        id="s",
        update=UpdatePlatformPartnerBody(
            contact=UpdatePlatformPartnerBodyContact(email="later@example.com")
        ),
        applied_at=when.isoformat(),
    ).scheduled_partner

    assert (scheduled.contact.name, scheduled.contact.email) == ("이담당", "later@example.com")
    assert Partner.objects.get(public_id="s").contact_email == "owner@example.com"
    versioning.promote_due(PARTNER, now=when + timedelta(seconds=1))
    partner = Partner.objects.get(public_id="s")
    assert (partner.contact_name, partner.contact_email, partner.contact_phone) == (
        "이담당",
        "later@example.com",
        "010-1234-5678",
    )


def test_a_bulk_schedule_with_part_of_the_contact_keeps_each_partners_own_fields(portone, contract):
    client = portone.platform.partner
    client.create_platform_partner(id="m-1", **body(tags=["대상"]))
    client.create_platform_partner(
        id="m-2",
        **body(
            tags=["대상"],
            contact=CreatePlatformPartnerBodyContact(name="박담당", email="park@example.com"),
        ),
    )
    when = timezone.now() + timedelta(days=3)

    portone.platform.schedule_platform_partners(
        filter=PlatformPartnerFilterInput(tags=["대상"]),
        update=SchedulePlatformPartnersBodyUpdate(
            contact=SchedulePlatformPartnersBodyUpdateContact(email="team@example.com")
        ),
        applied_at=when.isoformat(),
    )

    versioning.promote_due(PARTNER, now=when + timedelta(seconds=1))
    contacts = {
        p.public_id: (p.contact_name, p.contact_email, p.contact_phone)
        for p in Partner.objects.all()
    }
    assert contacts == {
        "m-1": ("이담당", "team@example.com", "010-1234-5678"),
        "m-2": ("박담당", "team@example.com", None),
    }
