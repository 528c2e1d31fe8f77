"""국세청 연동 (member-company connection of a partner for tax invoices), single and bulk.
docs/partners.md#nts-connection. The e-tax service is called in the background (partners.tasks); the
API answers at once with the pending status, as PortOne does. Refusals are core.errors with
PortOne's codes."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task
from ulid import ULID

from core.errors import Conflict, DomainError, Invalid, NotFound
from core.models import BulkTask
from invoices.providers import EtaxError, get_etax_client
from invoices.services import counterparties as linked
from partners.models import ConnectionStatus, Partner, PartnerType, PartnerVersion, TaxationType

logger = logging.getLogger(__name__)

CONNECTABLE = (ConnectionStatus.NOT_CONNECTED, ConnectionStatus.CONNECT_FAILED)


_NOT_BUSINESS = ("PLATFORM_PARTNER_TYPE_IS_NOT_BUSINESS", "사업자 파트너만 연동할 수 있습니다.")


def _connect_refusal(partner: Partner) -> DomainError | None:
    if partner.partner_type != PartnerType.BUSINESS:
        return Invalid(*_NOT_BUSINESS)
    if partner.taxation_type == TaxationType.SIMPLE:
        return Invalid(
            "PLATFORM_PARTNER_TAXATION_TYPE_IS_SIMPLE",
            "세금계산서를 발행하지 않는 간이과세자는 연동할 수 없습니다.",
        )
    if partner.is_archived:
        return Conflict(
            "PLATFORM_ARCHIVED_PARTNER_NTS_NOT_ALLOWED", "보관된 파트너는 연동할 수 없습니다."
        )
    if PartnerVersion.objects.filter(entity=partner, state=PartnerVersion.State.SCHEDULED).exists():
        return Conflict(
            "PLATFORM_PARTNER_SCHEDULE_EXISTS", "예약된 변경이 있는 파트너는 연동할 수 없습니다."
        )
    if partner.member_company_connection_status not in CONNECTABLE:
        return Invalid(
            "PLATFORM_COUNTERPARTY_NOT_CONNECTABLE_STATUS",
            f"연동할 수 없는 상태입니다: {partner.member_company_connection_status}",
        )
    return None


def _disconnect_refusal(partner: Partner) -> DomainError | None:
    if partner.partner_type != PartnerType.BUSINESS:
        return Invalid(*_NOT_BUSINESS)
    if partner.is_archived:
        return Conflict("PLATFORM_ARCHIVED_PARTNER_NTS_NOT_ALLOWED", "보관된 파트너입니다.")
    if partner.member_company_connection_status != ConnectionStatus.CONNECTED:
        return Invalid("PLATFORM_COUNTERPARTY_NOT_CONNECTED", "연동된 파트너가 아닙니다.")
    if linked.partner_has_ongoing_invoice(partner):
        return Conflict(
            "PLATFORM_ONGOING_TAX_INVOICE_EXISTS",
            "진행 중인 세금계산서가 있는 파트너는 연동을 해제할 수 없습니다.",
        )
    return None


def _get(public_id: str, is_for_test: bool) -> Partner:
    partner = (
        Partner.objects.select_for_update()
        .select_related("default_contract")
        .filter(public_id=public_id, is_for_test=is_for_test)
        .first()
    )
    if partner is None:
        raise NotFound("PLATFORM_PARTNER_NOT_FOUND", f"파트너를 찾을 수 없습니다: {public_id}")
    return partner


def _enqueue(task_pk: int) -> None:
    transaction.on_commit(lambda: async_task("partners.tasks.run_counterparty_task", task_pk))


def _start(partners: list[Partner], *, connect: bool, is_for_test: bool) -> BulkTask:
    pending = ConnectionStatus.CONNECT_PENDING if connect else ConnectionStatus.DISCONNECT_PENDING
    Partner.objects.filter(pk__in=[p.pk for p in partners]).update(
        member_company_connection_status=pending, member_company_connection_failed_reason=None
    )
    linked.partners_pending([p.pk for p in partners], connect=connect)
    task = BulkTask.objects.create(
        public_id=str(ULID()),
        is_for_test=is_for_test,
        type=BulkTask.Type.CONNECT_MEMBER_COMPANIES
        if connect
        else BulkTask.Type.DISCONNECT_MEMBER_COMPANIES,
        target_ids=[p.pk for p in partners],
        prepared_count=len(partners),
    )
    _enqueue(task.pk)
    return task


def _refusal(partner: Partner, *, connect: bool) -> DomainError | None:
    return _connect_refusal(partner) if connect else _disconnect_refusal(partner)


def _change_one(public_id: str, is_for_test: bool, *, connect: bool) -> Partner:
    partner = _get(public_id, is_for_test)
    refusal = _refusal(partner, connect=connect)
    if refusal is not None:
        raise refusal
    _start([partner], connect=connect, is_for_test=is_for_test)
    partner.refresh_from_db()
    return partner


@transaction.atomic
def counterparty_connect(*, public_id: str, is_for_test: bool) -> Partner:
    return _change_one(public_id, is_for_test, connect=True)


@transaction.atomic
def counterparty_disconnect(*, public_id: str, is_for_test: bool) -> Partner:
    return _change_one(public_id, is_for_test, connect=False)


@transaction.atomic
def counterparties_bulk(*, partners: list[Partner], connect: bool, is_for_test: bool) -> BulkTask:
    """Bulk variants act on the partners of the filter that qualify; the rest are skipped."""
    eligible = [p for p in partners if _refusal(p, connect=connect) is None]
    if not eligible:
        raise NotFound("PLATFORM_TARGET_PARTNER_NOT_FOUND", "조건에 맞는 대상 파트너가 없습니다.")
    return _start(eligible, connect=connect, is_for_test=is_for_test)


def run_counterparty_task(task_pk: int) -> int:
    """Background: talk to the e-tax service for every partner of the task, one at a time."""
    claimed = BulkTask.objects.filter(pk=task_pk, status=BulkTask.Status.PREPARED).update(
        status=BulkTask.Status.PROCESSING, status_updated_at=timezone.now()
    )
    if not claimed:
        return 0  # another worker has it, or it is done
    task = BulkTask.objects.get(pk=task_pk)
    client = get_etax_client()
    connect = task.type == BulkTask.Type.CONNECT_MEMBER_COMPANIES
    succeeded = failed = 0
    for partner in Partner.objects.filter(pk__in=task.target_ids):
        blocker = linked.partner_link_blocker(partner) if connect else None
        try:
            if blocker:
                status, reason = ConnectionStatus.CONNECT_FAILED, blocker
            elif connect:
                result = client.register_member(
                    brn=partner.business_registration_number,
                    company_name=partner.company_name or partner.name,
                    representative_name=partner.representative_name or "",
                )
                status = (
                    ConnectionStatus.CONNECTED
                    if result.connected
                    else ConnectionStatus.CONNECT_FAILED
                )
                reason = result.failed_reason
            else:
                client.unregister_member(brn=partner.business_registration_number)
                status, reason = ConnectionStatus.NOT_CONNECTED, None
        except EtaxError as exc:
            logger.info("e-tax call failed for partner %s: %s", partner.public_id, exc.message)
            status = ConnectionStatus.CONNECT_FAILED if connect else ConnectionStatus.CONNECTED
            reason = exc.message
        with transaction.atomic():
            Partner.objects.filter(pk=partner.pk).update(
                member_company_connection_status=status,
                member_company_connection_failed_reason=reason,
            )
            partner.member_company_connection_status = status
            partner.member_company_connection_failed_reason = reason
            # its partner-linked counterparty, and the Partner.Counterparty* webhook
            linked.partner_connection_changed(
                partner, status=status, reason=reason, connect=connect
            )
        if status in (ConnectionStatus.CONNECTED, ConnectionStatus.NOT_CONNECTED) and not reason:
            succeeded += 1
        else:
            failed += 1
    BulkTask.objects.filter(pk=task_pk).update(
        status=BulkTask.Status.COMPLETED,
        prepared_count=0,
        succeeded_count=succeeded,
        failed_count=failed,
        status_updated_at=timezone.now(),
    )
    return succeeded
