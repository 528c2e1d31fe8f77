"""국세청 연동 (connect/disconnect, single and bulk) through the SDK, sandbox e-tax service."""

import pytest
from portone_server_sdk import errors
from portone_server_sdk.platform import PlatformPartnerFilterInput

from core.models import BulkTask
from partners.models import Partner
from partners.services.counterparty import run_counterparty_task
from tests.factories import make_contract, make_partner

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def partners(db):
    make_contract("c")
    make_partner("biz", contract_id="c", tags=["연동"])
    make_partner(
        "closed", contract_id="c", business_registration_number="1209800015", tags=["연동"]
    )
    make_partner("simple", contract_id="c", taxation_type="SIMPLE")
    make_partner("person", contract_id="c", partner_type="WHT_PAYER", tags=["연동"])


def run_all_tasks():
    for task in BulkTask.objects.filter(status="PREPARED"):
        run_counterparty_task(task.pk)


def test_connect_then_disconnect(portone, partners):
    client = portone.platform.partner
    pending = client.connect_partner_counterparty(id="biz").partner
    assert pending.type.member_company_connection_status == "CONNECT_PENDING"
    with pytest.raises(errors.PlatformPartnerPendingNtsOperationError):
        client.archive_platform_partner(id="biz")
    run_all_tasks()
    assert client.get_platform_partner(id="biz").type.member_company_connection_status == (
        "CONNECTED"
    )
    with pytest.raises(errors.PlatformCounterpartyNotConnectableStatusError):
        client.connect_partner_counterparty(id="biz")
    leaving = client.disconnect_partner_counterparty(id="biz").partner
    assert leaving.type.member_company_connection_status == "DISCONNECT_PENDING"
    run_all_tasks()
    assert Partner.objects.get(public_id="biz").member_company_connection_status == (
        "NOT_CONNECTED"
    )


def test_connection_failure_reason_is_shown(portone, partners):
    portone.platform.partner.connect_partner_counterparty(id="closed")
    run_all_tasks()
    partner = portone.platform.partner.get_platform_partner(id="closed")
    assert partner.type.member_company_connection_status == "CONNECT_FAILED"
    assert "폐업" in partner.type.member_company_connection_failed_reason


def test_refusals(portone, partners):
    client = portone.platform.partner
    with pytest.raises(errors.PlatformPartnerTypeIsNotBusinessError):
        client.connect_partner_counterparty(id="person")
    with pytest.raises(errors.PlatformPartnerTaxationTypeIsSimpleError):
        client.connect_partner_counterparty(id="simple")
    with pytest.raises(errors.PlatformCounterpartyNotConnectedError):
        client.disconnect_partner_counterparty(id="biz")
    with pytest.raises(errors.PlatformPartnerNotFoundError):
        client.connect_partner_counterparty(id="nobody")
    client.archive_platform_partner(id="closed")
    with pytest.raises(errors.PlatformArchivedPartnerNtsNotAllowedError):
        client.connect_partner_counterparty(id="closed")
    assert not BulkTask.objects.exists()


def test_bulk_connect_by_filter(portone, partners):
    client = portone.platform.partner
    task = client.connect_bulk_partner_counterparty(
        filter=PlatformPartnerFilterInput(tags=["연동"])
    ).bulk_task
    assert task.type == "CONNECT_MEMBER_COMPANIES"
    assert task.status == "PREPARED"
    assert task.progress_stats.prepared_count == 2  # the individual is skipped
    run_all_tasks()
    done = BulkTask.objects.get(public_id=task.id)
    assert (done.status, done.succeeded_count, done.failed_count) == ("COMPLETED", 1, 1)
    with pytest.raises(errors.PlatformTargetPartnerNotFoundError):
        client.disconnect_bulk_partner_counterparty(
            filter=PlatformPartnerFilterInput(ids=["person"])
        )
    bulk = client.disconnect_bulk_partner_counterparty(
        filter=PlatformPartnerFilterInput(tags=["연동"])
    ).bulk_task
    assert bulk.progress_stats.prepared_count == 1
