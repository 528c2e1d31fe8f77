"""거래처 (counterparties) through the official SDK against the live server: create (every refusal
of docs/invoices.md#counterparties), read, search, update, delete (plain HTTP: the SDK's delete
is broken), the sandbox NTS connection, certificates, partner-linked refusals."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone
from portone_server_sdk import errors
from portone_server_sdk.b2b.counterparty import (
    B2bCounterpartyContactInput,
    B2bCounterpartyCreateOptions,
    B2bCounterpartyFilter,
    B2bCounterpartyInput,
)
from portone_server_sdk.common import PageInput

from invoices.domain.statuses import NtsConnectionStatus, Status
from invoices.models import Counterparty, TaxInvoice
from invoices.services.counterparties import advance_connections
from partners.models import CompanyVerification
from tests.conftest import TEST_SECRET
from tests.invoices.conftest import OWN_BRN, PARTNER_BRN

pytestmark = pytest.mark.django_db(transaction=True)

BRN = "1208147521"  # valid, IN_BUSINESS NORMAL in the sandboxes
CLOSED_BRN = "1209800015"  # middle digits 98: 폐업 (the e-tax sandbox refuses to connect it)
OUTAGE_BRN = "9998100015"  # tax office 999: the sandboxes' outage


def contact(name="김담당", email="contact@counterparty.test", **kw):
    return B2bCounterpartyContactInput(name=name, email=email, **kw)


def cp_input(brn=BRN, **kw):
    defaults = {
        "name": "주식회사 거래처",
        "representative_name": "박대표",
        "contact": contact(),
    }
    defaults.update(kw)
    return B2bCounterpartyInput(brn=brn, **defaults)


def create(b2b, **kw):
    return b2b.counterparty.create_b2b_counterparty(**kw).counterparty


def http_delete(live_server, counterparty_id, test=None):
    params = {"requestBody": "{}"}
    if test is not None:
        params["test"] = str(test).lower()
    return httpx.delete(
        f"{live_server.url}/b2b/counterparties/{counterparty_id}",
        params=params,
        headers={"Authorization": f"PortOne {TEST_SECRET}"},
    )


# --- create and read ------------------------------------------------------------------------------


def test_create_then_get_connects_within_seconds(b2b, own_company):
    made = create(
        b2b,
        counterparty_id="cp-1",
        counterparty=cp_input(
            address="서울특별시 중구 세종대로 110",
            business_type="도매",
            business_class="전자상거래",
            memo="주요 거래처",
            contact=contact(phone_number="010-1234-5678", memo="정산 담당"),
            additional_contacts=[contact("이추가", "extra@counterparty.test")],
        ),
    )
    assert made.id == "cp-1"
    assert made.brn == BRN
    assert made.company_name == "주식회사 거래처"
    assert made.representative_name == "박대표"
    assert made.contact.phone_number == "010-1234-5678"
    assert made.contact.memo == "정산 담당"
    assert [c.email for c in made.additional_contacts] == ["extra@counterparty.test"]
    assert made.nts_connection_status == "PENDING_CONNECT"
    assert made.partner_id is None
    assert made.is_for_test is False
    assert made.graphql_id

    # before the delay: still pending; after it, a read completes the connection lazily
    assert b2b.counterparty.get_b2b_counterparty(counterparty_id="cp-1").nts_connection_status == (
        "PENDING_CONNECT"
    )
    with time_machine.travel(timezone.now() + timedelta(seconds=3)):
        got = b2b.counterparty.get_b2b_counterparty(counterparty_id="cp-1")
    assert got.nts_connection_status == "CONNECTED"
    assert got.nts_connected_at is not None
    assert got.address == "서울특별시 중구 세종대로 110"
    assert got.memo == "주요 거래처"


def test_advance_connections_completes_due_ones_and_records_failures(b2b, own_company):
    create(b2b, counterparty_id="ok", counterparty=cp_input())
    create(b2b, counterparty_id="closed", counterparty=cp_input(brn=CLOSED_BRN))
    create(b2b, counterparty_id="outage", counterparty=cp_input(brn=OUTAGE_BRN))
    assert advance_connections() == 0  # none due yet
    assert advance_connections(timezone.now() + timedelta(seconds=5)) == 3
    rows = {c.public_id: c for c in Counterparty.objects.all()}
    assert rows["ok"].nts_connection_status == NtsConnectionStatus.CONNECTED
    assert rows["closed"].nts_connection_status == NtsConnectionStatus.ERROR
    assert "폐업" in rows["closed"].nts_connection_failed_reason
    assert rows["outage"].nts_connection_status == NtsConnectionStatus.ERROR
    assert "점검" in rows["outage"].nts_connection_failed_reason
    closed = b2b.counterparty.get_b2b_counterparty(counterparty_id="closed")
    assert closed.nts_connection_failed_reason == rows["closed"].nts_connection_failed_reason
    assert advance_connections(timezone.now() + timedelta(seconds=10)) == 0


@override_settings(COUNTERPARTY_CONNECT_SECONDS=0)
def test_the_list_completes_due_connections_too(b2b, own_company):
    create(b2b, counterparty_id="zero", counterparty=cp_input())
    items = b2b.counterparty.get_b2b_counterparties().items
    assert [(c.id, c.nts_connection_status) for c in items] == [("zero", "CONNECTED")]


def test_a_generated_id_and_test_mode_are_separate(b2b, own_company):
    live = create(b2b, counterparty=cp_input())
    assert len(live.id) == 26  # a ULID
    test = create(b2b, counterparty=cp_input(), test=True, counterparty_id=live.id)
    assert test.is_for_test is True
    with pytest.raises(errors.B2bCounterpartyNotFoundError):
        b2b.counterparty.get_b2b_counterparty(counterparty_id=test.id + "x", test=True)
    assert b2b.counterparty.get_b2b_counterparty(counterparty_id=live.id).is_for_test is False


def test_options_check_business_info_and_status(b2b, own_company):
    made = create(
        b2b,
        counterparty=B2bCounterpartyInput(brn="120-81-47521", contact=contact()),
        options=B2bCounterpartyCreateOptions(check_business_info=True, check_business_status=True),
    )
    # the sandbox's company for these digits fills what the request left out
    assert made.company_name == "주식회사 누리컴퍼니"
    assert made.representative_name == "강도윤"
    assert made.address == "서울특별시 종로구 세종대로 1, 2층"
    assert (made.business_type, made.business_class) == ("서비스업", "광고 대행업")
    assert made.business_status == "IN_BUSINESS"
    assert made.business_status_verification is not None
    assert made.business_info_verification is not None
    assert CompanyVerification.objects.count() == 2


def test_status_check_records_closed_and_outage_as_check_failed(b2b, own_company):
    closed = create(
        b2b,
        counterparty=cp_input(brn=CLOSED_BRN),
        options=B2bCounterpartyCreateOptions(check_business_status=True),
    )
    assert closed.business_status == "CLOSED"
    down = create(
        b2b,
        counterparty=cp_input(brn=OUTAGE_BRN),
        options=B2bCounterpartyCreateOptions(check_business_status=True),
    )
    assert down.business_status == "CHECK_FAILED"
    assert down.business_status_verification is None


def test_verification_ids_are_used_and_checked(b2b, portone, own_company):
    infos = portone.platform.company.get_b2b_business_infos(brn_list=[BRN, "1209000019"])
    info_id = infos.result[0].verification_id
    other_id = infos.result[1].verification_id
    made = create(
        b2b,
        counterparty=B2bCounterpartyInput(brn=BRN, contact=contact()),
        options=B2bCounterpartyCreateOptions(business_info_verification_id=info_id),
    )
    assert made.company_name == infos.result[0].business_info.name
    assert made.business_info_verification.id == info_id

    state = portone.platform.company.get_platform_company_state(business_registration_number=BRN)
    status_id = state.company_verification_id
    made = create(
        b2b,
        counterparty=cp_input(),
        options=B2bCounterpartyCreateOptions(business_status_verification_id=status_id),
    )
    assert made.business_status == "IN_BUSINESS"
    assert made.business_status_verification.id == status_id

    with pytest.raises(errors.B2bCounterpartyVerificationNotFoundError):
        create(
            b2b,
            counterparty=cp_input(),
            options=B2bCounterpartyCreateOptions(business_info_verification_id="nope"),
        )
    with pytest.raises(errors.B2bCounterpartyVerificationTypeMismatchError):
        create(
            b2b,
            counterparty=cp_input(),
            options=B2bCounterpartyCreateOptions(business_info_verification_id=status_id),
        )
    with pytest.raises(errors.B2bCounterpartyVerificationBrnMismatchError):
        create(
            b2b,
            counterparty=cp_input(),
            options=B2bCounterpartyCreateOptions(business_info_verification_id=other_id),
        )
    CompanyVerification.objects.filter(public_id=info_id).update(
        created_at=timezone.now() - timedelta(days=2)
    )
    with pytest.raises(errors.B2bCounterpartyVerificationInvalidError):
        create(
            b2b,
            counterparty=cp_input(),
            options=B2bCounterpartyCreateOptions(business_info_verification_id=info_id),
        )
    assert Counterparty.objects.count() == 2


def test_create_refusals(b2b, own_company, connected_partner):
    with pytest.raises(errors.B2bCounterpartyBrnInvalidError):
        create(b2b, counterparty=cp_input(brn="1208147522"))
    with pytest.raises(errors.B2bCounterpartyMissingRequiredFieldsError) as missing:
        create(b2b, counterparty=B2bCounterpartyInput(brn=BRN, name="상호"))
    assert "representativeName" in missing.value.message
    assert "contact.name" in missing.value.message
    with pytest.raises(errors.B2bCounterpartyMissingRequiredFieldsError):
        create(b2b, counterparty=cp_input(brn=""))
    with pytest.raises(errors.B2bCounterpartySelfOriginBrnMismatchError):
        create(b2b, counterparty=cp_input(brn=OWN_BRN))
    with pytest.raises(errors.B2bCounterpartyTooManyAdditionalContactsError):
        create(
            b2b,
            counterparty=cp_input(
                additional_contacts=[contact(f"추가{i}", f"a{i}@x.test") for i in range(6)]
            ),
        )
    create(b2b, counterparty_id="taken", counterparty=cp_input())
    with pytest.raises(errors.B2bCounterpartyIdAlreadyExistsError):
        create(b2b, counterparty_id="taken", counterparty=cp_input())
    with pytest.raises(errors.B2bCounterpartyIdAlreadyExistsByPartnerError):
        create(b2b, counterparty_id=connected_partner.public_id, counterparty=cp_input())
    with pytest.raises(errors.InvalidRequestError):
        create(b2b, counterparty=cp_input(contact=contact(email="not-an-email")))
    assert Counterparty.objects.filter(partner__isnull=True).count() == 1


def test_deleted_ids_stay_taken(b2b, live_server, own_company):
    create(b2b, counterparty_id="gone", counterparty=cp_input())
    assert http_delete(live_server, "gone").json() == {}
    with pytest.raises(errors.B2bCounterpartyIdAlreadyExistsError):
        create(b2b, counterparty_id="gone", counterparty=cp_input())


# --- search --------------------------------------------------------------------------------------


def test_search_filters_and_pages(b2b, own_company, connected_partner):
    create(
        b2b,
        counterparty_id="alpha-1",
        counterparty=cp_input(
            name="알파 상사", contact=contact("가", "a@x.test", phone_number="1")
        ),
    )
    create(
        b2b,
        counterparty_id="alpha-2",
        counterparty=cp_input(brn=CLOSED_BRN, name="베타 유통", representative_name="최대표"),
        options=B2bCounterpartyCreateOptions(check_business_status=True),
    )
    create(b2b, counterparty_id="gamma", counterparty=cp_input(name="감마"), test=True)
    search = b2b.counterparty.get_b2b_counterparties

    def ids(**f):
        return [c.id for c in search(filter=B2bCounterpartyFilter(**f)).items]

    assert ids() == ["alpha-2", "alpha-1", connected_partner.public_id]
    assert ids(id="alpha") == ["alpha-2", "alpha-1"]
    assert ids(brn=CLOSED_BRN) == ["alpha-2"]
    assert ids(company_name="상사") == ["alpha-1"]
    assert ids(company_name="파트너") == [connected_partner.public_id]
    assert ids(representative_name="최대표") == ["alpha-2"]
    assert ids(contact_name="가") == ["alpha-1"]
    assert ids(contact_phone="1") == ["alpha-1"]
    assert ids(contact_email="A@X.test") == ["alpha-1"]
    assert ids(contact_email="partner@partner.test") == [connected_partner.public_id]
    assert ids(business_statuses=["CLOSED"]) == ["alpha-2"]
    assert ids(nts_connection_statuses=["CONNECTED"]) == [connected_partner.public_id]
    assert ids(counterparty_ids=["alpha-1", "gamma"]) == ["alpha-1"]
    assert [c.id for c in search(test=True).items] == ["gamma"]
    page = search(page=PageInput(number=1, size=2))
    assert [c.id for c in page.items] == [connected_partner.public_id]
    assert (page.page.number, page.page.size, page.page.total_count) == (1, 2, 3)


def test_a_malformed_filter_is_refused(b2b, own_company):
    with pytest.raises(errors.InvalidRequestError):
        b2b.counterparty.get_b2b_counterparties(
            filter=B2bCounterpartyFilter(nts_connection_statuses=["SOMETIMES"])
        )


# --- update and delete ----------------------------------------------------------------------------


def test_update_changes_only_what_is_given(b2b, own_company):
    create(b2b, counterparty_id="u", counterparty=cp_input(address="옛 주소", memo="메모"))
    updated = b2b.counterparty.update_b2b_counterparty(
        counterparty_id="u",
        counterparty=B2bCounterpartyInput(
            brn=BRN, name="새 상호", contact=contact("새담당", "new@counterparty.test")
        ),
    ).counterparty
    assert updated.company_name == "새 상호"
    assert updated.contact.name == "새담당"
    assert updated.address == "옛 주소"
    assert updated.memo == "메모"
    assert updated.representative_name == "박대표"
    with pytest.raises(errors.B2bCounterpartyBrnModificationNotAllowedError):
        b2b.counterparty.update_b2b_counterparty(
            counterparty_id="u", counterparty=B2bCounterpartyInput(brn=CLOSED_BRN, name="x")
        )
    with pytest.raises(errors.B2bCounterpartyTooManyAdditionalContactsError):
        b2b.counterparty.update_b2b_counterparty(
            counterparty_id="u",
            counterparty=B2bCounterpartyInput(
                brn=BRN, additional_contacts=[contact(f"{i}", f"{i}@x.test") for i in range(6)]
            ),
        )
    with pytest.raises(errors.B2bCounterpartyMissingRequiredFieldsError):
        b2b.counterparty.update_b2b_counterparty(
            counterparty_id="u", counterparty=B2bCounterpartyInput(brn=BRN, name="")
        )
    with pytest.raises(errors.B2bCounterpartyNotFoundError):
        b2b.counterparty.update_b2b_counterparty(
            counterparty_id="nobody", counterparty=B2bCounterpartyInput(brn=BRN)
        )
    assert Counterparty.objects.get(public_id="u").company_name == "새 상호"


def test_update_of_a_failed_connection_tries_again(b2b, own_company):
    create(b2b, counterparty_id="e", counterparty=cp_input(brn=CLOSED_BRN))
    advance_connections(timezone.now() + timedelta(seconds=5))
    again = b2b.counterparty.update_b2b_counterparty(
        counterparty_id="e", counterparty=B2bCounterpartyInput(brn=CLOSED_BRN, memo="재시도")
    ).counterparty
    assert again.nts_connection_status == "PENDING_CONNECT"
    assert again.nts_connection_failed_reason is None


def test_delete_is_soft_and_refused_with_an_ongoing_invoice(b2b, live_server, own_company):
    create(b2b, counterparty_id="d", counterparty=cp_input())
    create(b2b, counterparty_id="busy", counterparty=cp_input(brn=CLOSED_BRN))
    busy = Counterparty.objects.get(public_id="busy")
    now = timezone.now()
    TaxInvoice.objects.create(
        status=Status.REQUESTED,
        status_updated_at=now,
        issuance_type="REVERSE",
        taxation_type="TAXABLE",
        purpose_type="RECEIPT",
        write_date=now.date(),
        issuance_due_date=now.date(),
        total_supply_amount=10_000,
        total_tax_amount=1_000,
        total_amount=11_000,
        supplier={"brn": CLOSED_BRN},
        recipient={"brn": OWN_BRN},
        supplier_brn=CLOSED_BRN,
        supplier_name="거래처",
        supplier_representative_name="박대표",
        supplier_counterparty=busy,
        recipient_brn=OWN_BRN,
        recipient_name="주식회사 플랫폼",
        recipient_representative_name="김대표",
    )
    refused = http_delete(live_server, "busy")
    assert refused.status_code == 409
    assert refused.json()["type"] == "B2B_COUNTERPARTY_ONGOING_TAX_INVOICE_EXISTS"
    TaxInvoice.objects.update(status=Status.SENDING_COMPLETED)
    assert http_delete(live_server, "busy").status_code == 200

    answer = http_delete(live_server, "d")
    assert (answer.status_code, answer.json()) == (200, {})
    assert Counterparty.objects.get(public_id="d").deleted_at is not None
    with pytest.raises(errors.B2bCounterpartyNotFoundError):
        b2b.counterparty.get_b2b_counterparty(counterparty_id="d")
    assert http_delete(live_server, "d").json()["type"] == "B2B_COUNTERPARTY_NOT_FOUND"
    assert http_delete(live_server, "d").status_code == 404
    assert b2b.counterparty.get_b2b_counterparties().items == []
    bad = httpx.delete(
        f"{live_server.url}/b2b/counterparties/x",
        params={"requestBody": "{nope"},
        headers={"Authorization": f"PortOne {TEST_SECRET}"},
    )
    assert (bad.status_code, bad.json()["type"]) == (400, "INVALID_REQUEST")


def test_partner_linked_counterparties_are_edited_through_the_partner(
    b2b, live_server, own_company, connected_partner
):
    pid = connected_partner.public_id
    got = b2b.counterparty.get_b2b_counterparty(counterparty_id=pid)
    assert got.partner_id == pid
    assert got.nts_connection_status == "CONNECTED"
    with pytest.raises(errors.B2bCounterpartyPartnerNotUpdatableError):
        b2b.counterparty.update_b2b_counterparty(
            counterparty_id=pid, counterparty=B2bCounterpartyInput(brn=PARTNER_BRN, memo="x")
        )
    refused = http_delete(live_server, pid)
    assert (refused.status_code, refused.json()["type"]) == (
        403,
        "B2B_COUNTERPARTY_PARTNER_NOT_DELETABLE",
    )
    # the partner's current company and contact are what the counterparty shows
    type(connected_partner).objects.filter(pk=connected_partner.pk).update(
        company_name="주식회사 새이름", contact_email="new@partner.test"
    )
    got = b2b.counterparty.get_b2b_counterparty(counterparty_id=pid)
    assert (got.company_name, got.contact.email) == ("주식회사 새이름", "new@partner.test")


# --- certificates --------------------------------------------------------------------------------


def test_certificate_registration_and_validation(b2b, own_company, client):
    create(b2b, counterparty_id="c", counterparty=cp_input())
    api = b2b.counterparty
    with pytest.raises(errors.B2bCounterpartyNtsNotConnectedError) as not_connected:
        api.get_b2b_counterparty_certificate_registration_url(brn=BRN)
    assert not_connected.value.counterparty_id == "c"
    with pytest.raises(errors.B2bCounterpartyNtsNotConnectedError):
        api.validate_b2b_counterparty_certificate(brn=BRN)
    with pytest.raises(errors.B2bCounterpartyNotFoundError):
        api.validate_b2b_counterparty_certificate(brn=CLOSED_BRN)
    advance_connections(timezone.now() + timedelta(seconds=5))

    with pytest.raises(errors.B2bCertificateUnregisteredError):
        api.get_b2b_counterparty_certificate(brn=BRN)
    assert api.validate_b2b_counterparty_certificate(brn=BRN).is_valid is False
    url = api.get_b2b_counterparty_certificate_registration_url(brn=BRN).url
    assert "/tax-invoices/certificates/" in url
    path = url.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path)
    assert page.status_code == 200
    assert "공동인증서 등록" in page.content.decode()
    assert "주식회사 거래처" in page.content.decode()
    done = client.post("/" + path)
    assert done.status_code == 200
    assert "인증서가 등록되었습니다" in done.content.decode()

    cert = api.get_b2b_counterparty_certificate(brn=BRN)
    assert cert.certificate_type == "E_TAX"
    assert cert.subject_name == f"주식회사 거래처({BRN})"
    assert cert.registrant_contact_name == "김담당"
    assert api.validate_b2b_counterparty_certificate(brn=BRN).is_valid is True
    with time_machine.travel(timezone.now() + timedelta(days=366)):
        assert api.validate_b2b_counterparty_certificate(brn=BRN).is_valid is False

    assert client.get("/tax-invoices/certificates/forged/").status_code == 404
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert client.get("/" + path).status_code == 404
