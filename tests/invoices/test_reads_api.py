"""The reads of tax invoices through the official SDK against the live server
(docs/invoices.md#search-and-sheet): `get_b2b_tax_invoices` with each primary filter, each
secondary filter and each sort, paging, test mode inside the requestBody, deleted invoices never;
`download_b2b_tax_invoices_sheet` with chosen fields (Korean headers, integers, BOM)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from itertools import count

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from portone_server_sdk import errors
from portone_server_sdk.b2b.tax_invoice import (
    B2bTaxInvoiceSortInput,
    DateRangeOption,
    GetB2bTaxInvoicesBodyDateFilter,
    GetB2bTaxInvoicesBodyFilter,
    GetB2bTaxInvoicesBodyPrimaryFilter,
)

from invoices.models import BulkTaxInvoice, Counterparty, TaxInvoice
from payouts.models import BulkPayout, Payout, PayoutMethod
from tests.invoices.conftest import OWN_BRN, PARTNER_BRN

pytestmark = pytest.mark.django_db

OTHER_BRN = "1018212345"
_seq = count(1)


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.get_current_timezone())


def make_invoice(*, created: datetime | None = None, **kw) -> TaxInvoice:
    """An invoice straight in the table (the reads do not care how it got there)."""
    n = next(_seq)
    supply = kw.pop("supply", 100_000 * n)
    tax = kw.pop("tax", supply // 10)
    reverse = kw.get("issuance_type", "REVERSE") == "REVERSE"
    partner_brn = kw.pop("partner_brn", PARTNER_BRN)
    supplier_brn = kw.pop("supplier_brn", partner_brn if reverse else OWN_BRN)
    recipient_brn = kw.pop("recipient_brn", OWN_BRN if reverse else partner_brn)
    supplier_name = kw.pop("supplier_name", f"공급자 {n}")
    fields = {
        "public_id": f"ti-{n:04d}",
        "status": "ISSUED",
        "status_updated_at": timezone.now() - timedelta(minutes=1000 - n),
        "issuance_type": "REVERSE",
        "taxation_type": "TAXABLE",
        "purpose_type": "RECEIPT",
        "write_date": timezone.localdate(),
        "issuance_due_date": timezone.localdate() + timedelta(days=10),
        "total_supply_amount": supply,
        "total_tax_amount": tax,
        "total_amount": supply + tax,
        "items": [{"name": f"용역 {n}", "supplyCostAmount": supply, "taxAmount": tax}],
        "supplier": {"brn": supplier_brn, "name": supplier_name, "representativeName": "이공급"},
        "recipient": {"brn": recipient_brn, "name": "주식회사 플랫폼", "representativeName": "김"},
        "supplier_brn": supplier_brn,
        "supplier_name": supplier_name,
        "supplier_representative_name": "이공급",
        "recipient_brn": recipient_brn,
        "recipient_name": "주식회사 플랫폼",
        "recipient_representative_name": "김대표",
        **kw,
    }
    invoice = TaxInvoice.objects.create(**fields)
    if created is not None:
        TaxInvoice.objects.filter(pk=invoice.pk).update(created_at=created)
        invoice.refresh_from_db()
    return invoice


def ids(response) -> list[str]:
    return [item.id for item in response.items]


def search(b2b, **filter_kw):
    test = filter_kw.pop("test", None)
    sort = filter_kw.pop("sort", None)
    return b2b.tax_invoice.get_b2b_tax_invoices(
        test=test, filter=GetB2bTaxInvoicesBodyFilter(**filter_kw) if filter_kw else None, sort=sort
    )


def primary(**kw) -> GetB2bTaxInvoicesBodyPrimaryFilter:
    return GetB2bTaxInvoicesBodyPrimaryFilter(**kw)


def test_default_search_is_the_last_month_registered_live_newest_status_first(b2b):
    today = timezone.localdate()
    recent = make_invoice(created=at(today - timedelta(days=3)))
    newest = make_invoice()
    make_invoice(created=at(today - timedelta(days=70)))  # older than a month
    make_invoice(deleted_at=timezone.now())  # deleted: never
    make_invoice(is_for_test=True)  # the other mode
    response = search(b2b)
    assert ids(response) == [newest.public_id, recent.public_id]
    assert response.page.number == 0
    assert response.page.size == 500
    assert response.page.total_count == 2
    item = response.items[0]
    assert item.supplier_brn == PARTNER_BRN
    assert item.recipient_brn == OWN_BRN
    assert item.total_amount == newest.total_amount
    assert item.status == "ISSUED"
    assert item.items[0].name == newest.items[0]["name"]


def test_test_mode_is_inside_the_request_body(b2b):
    live = make_invoice()
    test = make_invoice(is_for_test=True)
    assert ids(search(b2b, test=True)) == [test.public_id]
    assert ids(search(b2b, test=False)) == [live.public_id]


def test_date_filters_write_issue_register_and_several_ranges(b2b):
    make_invoice(write_date=date(2025, 1, 10), issued_at=at(date(2025, 3, 5)))
    jan = TaxInvoice.objects.get()
    feb = make_invoice(write_date=date(2025, 2, 28), issued_at=at(date(2025, 3, 1), 0))
    mar = make_invoice(write_date=date(2025, 3, 31), created=at(date(2025, 3, 31), 23))

    def by(date_type, *ranges):
        f = GetB2bTaxInvoicesBodyDateFilter(
            date_type=date_type, date_range=[DateRangeOption(from_=a, until=b) for a, b in ranges]
        )
        return set(ids(search(b2b, primary_filter=primary(date_filter=f))))

    assert by("WRITE", ("2025-01-01", "2025-02-28")) == {jan.public_id, feb.public_id}
    assert by("WRITE", ("2025-01-10", "2025-01-10"), ("2025-03-01", "2025-03-31")) == {
        jan.public_id,
        mar.public_id,
    }
    # both days inclusive, in KST: 03-01 00:00 KST belongs to 03-01
    assert by("ISSUE", ("2025-03-01", "2025-03-01")) == {feb.public_id}
    assert by("ISSUE", ("2025-02-01", "2025-03-10")) == {jan.public_id, feb.public_id}
    assert by("REGISTER", ("2025-03-31", "2025-03-31")) == {mar.public_id}
    # `from` defaults to a month before `until`
    assert by("WRITE", (None, "2025-03-15")) == {feb.public_id}
    with pytest.raises(errors.InvalidRequestError) as refused:
        by("WRITE", ("2025-03-02", "2025-03-01"))
    assert "from" in refused.value.message


def test_each_key_primary_filter_searches_every_date(b2b):
    old = at(timezone.localdate() - timedelta(days=400))
    bulk = BulkTaxInvoice.objects.create(
        public_id="bulk-1",
        status="COMPLETED",
        status_updated_at=timezone.now(),
        source_type="SHEET",
    )
    bp = BulkPayout.objects.create(
        public_id="bp-1",
        name="지급",
        status="COMPLETED",
        status_updated_at=timezone.now(),
        method=PayoutMethod.DIRECT,
    )
    a = make_invoice(created=old, nts_approval_number="202501014100000000000001")
    b = make_invoice(created=old, bulk=bulk, supplier_document_key="sup-1")
    c = make_invoice(created=old, recipient_document_key="rec-1")
    make_invoice(created=old)
    cases = {
        "tax_invoice_id": (a.public_id, [a]),
        "bulk_tax_invoice_id": ("bulk-1", [b]),
        "nts_approval_number": (a.nts_approval_number, [a]),
        "supplier_document_key": ("sup-1", [b]),
        "recipient_document_key": ("rec-1", [c]),
        "tax_invoice_ids": ([a.public_id, c.public_id, "nope"], [c, a]),
    }
    for name, (value, expected) in cases.items():
        got = ids(search(b2b, primary_filter=primary(**{name: value})))
        assert got == [i.public_id for i in expected], name
    payout = _payout(bp, PARTNER_BRN)
    d = make_invoice(created=old, payout=payout)
    assert ids(search(b2b, primary_filter=primary(payout_id=payout.public_id))) == [d.public_id]
    summary = search(b2b, primary_filter=primary(payout_id=payout.public_id)).items[0]
    assert summary.payout_id == payout.public_id
    assert (
        search(b2b, primary_filter=primary(tax_invoice_id=b.public_id)).items[0].bulk_tax_invoice_id
        == "bulk-1"
    )


def _payout(bulk, brn) -> Payout:
    from tests.factories import make_contract, make_partner

    contract = make_contract("c-reads")
    partner = make_partner(
        "p-reads",
        contract_id=contract.public_id,
        partner_type="BUSINESS",
        business_registration_number=brn,
        company_name="파트너",
        representative_name="이",
        taxation_type="NORMAL",
    )
    return Payout.objects.create(
        public_id="payout-1",
        bulk_payout=bulk,
        partner=partner,
        method=PayoutMethod.DIRECT,
        status="SUCCEEDED",
        status_updated_at=timezone.now(),
        partner_name="파트너",
        partner_type="BUSINESS",
        amount=110_000,
        settlement_amount=110_000,
        supply_amount=100_000,
        vat_amount=10_000,
        account_bank=partner.bank,
        account_number=partner.account_number,
        account_holder=partner.account_holder,
    )


def test_two_primary_filters_or_an_unknown_value_are_refused(b2b):
    with pytest.raises(errors.InvalidRequestError) as two:
        search(b2b, primary_filter=primary(tax_invoice_id="a", payout_id="b"))
    assert "primaryFilter" in two.value.message
    with pytest.raises(errors.InvalidRequestError) as bad:
        search(b2b, statuses=["NOPE"])
    assert "statuses" in bad.value.message
    with pytest.raises(errors.InvalidRequestError) as sort:
        search(b2b, sort=B2bTaxInvoiceSortInput(by="COLOUR"))
    assert "by" in sort.value.message


def test_secondary_filters(b2b):
    reverse = make_invoice(is_delayed=True)
    normal = make_invoice(
        issuance_type="NORMAL",
        purpose_type="INVOICE",
        taxation_type="FREE",
        tax=0,
        status="REQUESTED",
    )
    other = make_invoice(partner_brn=OTHER_BRN, document_modification_type="MODIFICATION")
    everyone = {reverse.public_id, normal.public_id, other.public_id}

    def got(**kw):
        return set(ids(search(b2b, **kw)))

    assert got() == everyone
    assert got(supplier_brn=PARTNER_BRN) == {reverse.public_id}
    assert got(supplier_brn=OWN_BRN) == {normal.public_id}
    # partnerBrn: the supplier of REVERSE, the recipient of NORMAL
    assert got(partner_brn=PARTNER_BRN) == {reverse.public_id, normal.public_id}
    assert got(partner_brn=OWN_BRN) == set()
    assert got(statuses=["REQUESTED"]) == {normal.public_id}
    assert got(statuses=["REQUESTED", "ISSUED"]) == everyone
    assert got(taxation_types=["FREE"]) == {normal.public_id}
    assert got(document_modification_types=["MODIFICATION"]) == {other.public_id}
    assert got(is_delayed=True) == {reverse.public_id}
    assert got(is_delayed=False) == {normal.public_id, other.public_id}
    assert got(issuance_types=["NORMAL"]) == {normal.public_id}
    assert got(purpose_types=["INVOICE"]) == {normal.public_id}


def test_counterparty_id_with_and_without_brn_match(b2b, connected_partner):
    cp = Counterparty.objects.get(brn=PARTNER_BRN)
    linked = make_invoice(supplier_counterparty=cp)
    unlinked = make_invoice()  # same BRN, drafted without the counterparty
    make_invoice(partner_brn=OTHER_BRN)
    assert ids(search(b2b, counterparty_id=cp.public_id)) == [linked.public_id]
    assert set(ids(search(b2b, counterparty_id=cp.public_id, include_brn_match=True))) == {
        linked.public_id,
        unlinked.public_id,
    }
    summary = search(b2b, counterparty_id=cp.public_id).items[0]
    assert summary.supplier_counterparty_id == cp.public_id
    assert ids(search(b2b, counterparty_id="nobody", include_brn_match=True)) == []


@pytest.mark.parametrize(
    ("by", "field"),
    [
        ("WRITE_DATE", "write_date"),
        ("ISSUANCE_DUE_DATE", "issuance_due_date"),
        ("TOTAL_AMOUNT", "total_amount"),
        ("TOTAL_SUPPLY_AMOUNT", "total_supply_amount"),
        ("TOTAL_TAX_AMOUNT", "total_tax_amount"),
        ("REQUESTED_AT", "requested_at"),
        ("ISSUED_AT", "issued_at"),
        ("NTS_SENT_AT", "nts_sent_at"),
        ("STATUS_UPDATED_AT", "status_updated_at"),
    ],
)
def test_each_sort_both_orders(b2b, by, field):
    today = timezone.localdate()
    now = timezone.now()
    # three invoices whose `field` ranks b < c < a, plus one without a value (timestamps)
    values = {
        "write_date": (today, today - timedelta(days=2), today - timedelta(days=1)),
        "issuance_due_date": (today + timedelta(days=9), today, today + timedelta(days=3)),
        "requested_at": (now, now - timedelta(hours=2), now - timedelta(hours=1)),
        "issued_at": (now, now - timedelta(hours=2), now - timedelta(hours=1)),
        "nts_sent_at": (now, now - timedelta(hours=2), now - timedelta(hours=1)),
        "status_updated_at": (now, now - timedelta(hours=2), now - timedelta(hours=1)),
    }
    ranks = (9, 1, 5)
    amounts = {
        "total_amount": lambda v: {"supply": v * 100_000, "tax": 0},
        "total_supply_amount": lambda v: {"supply": v * 10_000, "tax": 10_000},
        "total_tax_amount": lambda v: {"supply": 100_000, "tax": v * 100},
    }
    made = []
    for k in range(3):
        kw = amounts[field](ranks[k]) if field in amounts else {field: values[field][k]}
        made.append(make_invoice(**kw))
    a, b, c = made
    nullable = field in ("requested_at", "issued_at", "nts_sent_at")
    blank = make_invoice() if nullable else None
    asc = ids(search(b2b, sort=B2bTaxInvoiceSortInput(by=by, order="ASC")))
    desc = ids(search(b2b, sort=B2bTaxInvoiceSortInput(by=by, order="DESC")))
    expected = [b.public_id, c.public_id, a.public_id]
    if nullable:  # no value: last either way
        assert asc == [*expected, blank.public_id]
        assert desc == [*expected[::-1], blank.public_id]
    else:
        assert asc == expected
        assert desc == expected[::-1]
    if by == "STATUS_UPDATED_AT":  # also the default
        assert ids(search(b2b)) == desc


def test_paging_and_page_size_bounds(b2b):
    made = [make_invoice() for _ in range(5)]
    newest_first = [i.public_id for i in reversed(made)]
    page = b2b.tax_invoice.get_b2b_tax_invoices(page_number=1, page_size=2)
    assert ids(page) == newest_first[2:4]
    assert (page.page.number, page.page.size, page.page.total_count) == (1, 2, 5)
    past = b2b.tax_invoice.get_b2b_tax_invoices(page_number=9, page_size=2)
    assert ids(past) == [] and past.page.total_count == 5
    with pytest.raises(errors.InvalidRequestError) as big:
        b2b.tax_invoice.get_b2b_tax_invoices(page_size=1001)
    assert "pageSize" in big.value.message


def test_one_query_per_page_whatever_the_page_size(api_client, connected_partner):
    cp = Counterparty.objects.get(brn=PARTNER_BRN)
    bulk = BulkTaxInvoice.objects.create(
        public_id="bulk-q",
        status="COMPLETED",
        status_updated_at=timezone.now(),
        source_type="SHEET",
    )

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = api_client.get("/b2b/tax-invoices", {"requestBody": "{}"})
        assert response.status_code == 200, response.content
        return len(ctx.captured_queries), len(response.json()["items"])

    queries()  # warm: the first request of a secret records its use
    for _ in range(2):
        make_invoice(supplier_counterparty=cp, bulk=bulk)
    few = queries()
    for _ in range(20):
        make_invoice(supplier_counterparty=cp, bulk=bulk)
    many = queries()
    assert (few[1], many[1]) == (2, 22)
    assert few[0] == many[0]


def test_bad_request_body_is_a_400_naming_the_field(api_client):
    response = api_client.get("/b2b/tax-invoices", {"requestBody": "[1]"})
    assert response.status_code == 400
    assert response.json()["type"] == "INVALID_REQUEST"
    response = api_client.get(
        "/b2b/tax-invoices",
        {"requestBody": json.dumps({"filter": {"primaryFilter": {}}})},
    )
    assert response.status_code == 400
    assert "primaryFilter" in response.json()["message"]


# --- the sheet ----------------------------------------------------------------------------------


def read_csv(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")  # Excel reads the BOM as UTF-8
    return list(csv.reader(io.StringIO(text[1:])))


def test_sheet_with_chosen_fields_in_their_order(b2b):
    a = make_invoice(
        supplier_name="=위험 상사",  # a formula-looking name stays text
        memo="메모",
        cancel_reason="단가 오류",
        is_delayed=True,
        supplier_document_key="sup-9",
    )
    a.items = [{"name": "용역"}, {"name": "부품"}, {"name": "배송"}]
    a.save(update_fields=["items"])
    make_invoice(is_for_test=True)
    text = b2b.tax_invoice.download_b2b_tax_invoices_sheet(
        fields=[
            "PLAIN_ID",
            "STATUS",
            "CANCEL_REASON",
            "ISSUANCE_TYPE",
            "DOCUMENT_MODIFICATION_TYPE",
            "IS_DELAYED",
            "WRITE_DATE",
            "TAXATION_TYPE",
            "PURPOSE_TYPE",
            "SUPPLIER_COMPANY_NAME",
            "SUPPLIER_BRN",
            "TOTAL_SUPPLY_AMOUNT",
            "TOTAL_TAX_AMOUNT",
            "TOTAL_AMOUNT",
            "SUPPLIER_DOCUMENT_KEY",
            "ITEMS",
        ]
    )
    rows = read_csv(text)
    assert rows[0] == [
        "세금계산서 아이디",
        "상태",
        "취소사유",
        "발행유형",
        "문서형태",
        "지연발행",
        "작성일자",
        "과세형태",
        "영수/청구",
        "공급자 상호",
        "공급자 사업자등록번호",
        "공급가액",
        "세액",
        "합계금액",
        "공급자 문서번호",
        "품목",
    ]
    assert rows[1:] == [
        [
            a.public_id,
            "발행 완료",
            "단가 오류",
            "역발행",
            "일반",
            "예",
            a.write_date.isoformat(),
            "과세",
            "영수",
            "'=위험 상사",
            PARTNER_BRN,
            str(a.total_supply_amount),
            str(a.total_tax_amount),
            str(a.total_amount),
            "sup-9",
            "용역 외 2건",
        ]
    ]


def test_sheet_default_columns_filter_sort_and_test_mode(b2b):
    first = make_invoice(is_for_test=True, supply=300_000)
    second = make_invoice(is_for_test=True, supply=100_000)
    make_invoice(is_for_test=True, status="REQUESTED")
    text = b2b.tax_invoice.download_b2b_tax_invoices_sheet(
        test=True,
        filter=GetB2bTaxInvoicesBodyFilter(statuses=["ISSUED"]),
        sort=B2bTaxInvoiceSortInput(by="TOTAL_AMOUNT", order="ASC"),
    )
    rows = read_csv(text)
    assert len(rows[0]) == 31 and rows[0][0] == "상태" and rows[0][-1] == "품목"
    id_col = rows[0].index("세금계산서 아이디")
    assert [r[id_col] for r in rows[1:]] == [second.public_id, first.public_id]
    empty = read_csv(b2b.tax_invoice.download_b2b_tax_invoices_sheet(fields=["PLAIN_ID"]))
    assert empty == [["세금계산서 아이디"]]
    with pytest.raises(errors.InvalidRequestError):
        b2b.tax_invoice.download_b2b_tax_invoices_sheet(fields=["NOPE"])
