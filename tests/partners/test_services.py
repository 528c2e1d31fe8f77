"""partners_create as the API batch and the bulk import use it: what it writes beside the partner
rows (history, first version, tags) on every database, and how many queries its checks take."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.crypto import decrypt
from core.errors import DomainError
from core.versioning import services as versioning
from partners.models import Partner, PartnerTag, PartnerVersion, UserDefinedProperty
from partners.services import partners as services
from tests.factories import make_contract

pytestmark = pytest.mark.django_db


def item(public_id: str, **terms) -> dict:
    return {
        "id": public_id,
        "contract_id": "c-1",
        "terms": {
            "name": "가나다 상점",
            "tags": ["패션", "신규"],
            "contact_name": "이담당",
            "contact_email": "owner@example.com",
            "bank": "KOOKMIN",
            "account_currency": "KRW",
            "account_number": "110123456789",
            "account_holder": "이작가",
            "partner_type": "WHT_PAYER",
            "birthdate": "1990-01-02",
            **terms,
        },
    }


@pytest.fixture
def contract(db):
    return make_contract("c-1", name="기본 계약")


def stored_tokens(partner: Partner) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT account_number, birthdate FROM partners_partner WHERE id = %s", [partner.pk]
        )
        return cursor.fetchone()


def test_new_partners_get_a_version_equal_to_their_terms_a_history_row_and_tags(contract):
    UserDefinedProperty.objects.create(key="grade", label="등급")
    created = services.partners_create(
        is_for_test=False,
        items=[
            item("p-1", memo="메모", user_defined_properties={"grade": "VIP"}),
            item(
                "p-2",
                partner_type="BUSINESS",
                birthdate=None,
                tags=["법인"],
                company_name="주식회사 가나다",
                business_registration_number="1208147521",
                representative_name="김대표",
            ),
        ],
    )

    first = created[0]
    token, birth_token = stored_tokens(first)
    assert token != "110123456789", "the account number is stored encrypted"
    assert decrypt(token) == "110123456789"
    assert decrypt(birth_token) == "1990-01-02"

    version = PartnerVersion.objects.get(entity=first)
    assert version.state == PartnerVersion.State.APPLIED
    assert version.applied_at == first.applied_at
    expected = versioning.terms_json(services.PARTNER, Partner.objects.get(pk=first.pk).terms())
    encrypted = ("account_number", "birthdate")
    assert {k: v for k, v in version.terms.items() if k not in encrypted} == {
        k: v for k, v in expected.items() if k not in encrypted
    }
    assert decrypt(version.terms["account_number"]) == "110123456789"
    assert decrypt(version.terms["birthdate"]) == "1990-01-02"
    assert version.terms["user_defined_properties"] == {"grade": "VIP"}
    assert version.terms["default_contract_id"] == contract.pk
    assert version.terms["memo"] == "메모"
    business = PartnerVersion.objects.get(entity=created[1]).terms
    assert business["birthdate"] is None
    assert business["taxation_type"] == "NORMAL"
    assert business["business_registration_number"] == "1208147521"

    history = Partner.history.get(id=first.pk)
    assert history.history_type == "+"
    assert history.account_number == "110123456789"
    assert history.birthdate == "1990-01-02"
    assert history.public_id == "p-1"
    assert history.tags == ["패션", "신규"]
    assert history.history_date == first.applied_at

    assert sorted(PartnerTag.objects.values_list("partner__public_id", "tag")) == [
        ("p-1", "신규"),
        ("p-1", "패션"),
        ("p-2", "법인"),
    ]
    reloaded = Partner.objects.get(pk=first.pk)
    assert reloaded.account_number_last4 == "6789"
    assert reloaded.account_number_index == first.account_number_index != ""


def test_user_defined_properties_of_a_batch_are_checked_with_one_query(contract):
    UserDefinedProperty.objects.create(key="grade", label="등급")
    items = [item(f"u-{i}", user_defined_properties={"grade": str(i)}) for i in range(20)]

    with CaptureQueriesContext(connection) as queries:
        services.partners_create(is_for_test=False, items=items)

    udp_queries = [q for q in queries if "partners_userdefinedproperty" in q["sql"]]
    assert len(udp_queries) == 1
    assert Partner.objects.count() == 20


def test_an_unknown_user_defined_property_refuses_the_whole_batch(contract):
    UserDefinedProperty.objects.create(key="grade", label="등급")
    items = [
        item("ok", user_defined_properties={"grade": "A"}),
        item("bad", user_defined_properties={"grade": "A", "nope": "x"}),
    ]

    with pytest.raises(DomainError) as exc:
        services.partners_create(is_for_test=False, items=items)

    assert exc.value.code == "PLATFORM_USER_DEFINED_PROPERTY_NOT_FOUND"
    assert "nope" in exc.value.message
    assert Partner.objects.count() == 0


def test_key_runs_group_consecutive_keys():
    from core.pgcopy import _runs

    assert _runs([7, 1, 2, 3, 8, 10]) == [(1, 3), (7, 8), (10, 10)]
    assert _runs([]) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path is PostgreSQL's")
def test_history_and_versions_are_made_for_exactly_the_new_rows_when_keys_interleave(
    contract, monkeypatch
):
    """Another writer may take keys between ours: rows are picked by our key runs only."""
    from core import pgcopy

    base = (Partner.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 100
    other = Partner.objects.create(
        pk=base + 1,
        public_id="other",
        name="다른 파트너",
        default_contract=contract,
        contact_name="다른",
        contact_email="other@example.com",
        bank="KOOKMIN",
        account_number="1234567890",
        account_holder="다른",
        partner_type="WHT_PAYER",
    )
    monkeypatch.setattr(pgcopy, "reserve_ids", lambda model, count: [base, base + 2, base + 3])

    created = services.partners_create(
        is_for_test=False, items=[item("k-1"), item("k-2"), item("k-3")]
    )

    assert [p.pk for p in created] == [base, base + 2, base + 3]
    history = sorted(Partner.history.values_list("id", "public_id", "history_type"))
    assert history == [
        (base, "k-1", "+"),
        (base + 1, "other", "+"),
        (base + 2, "k-2", "+"),
        (base + 3, "k-3", "+"),
    ]
    assert sorted(PartnerVersion.objects.values_list("entity_id", flat=True)) == [
        base,
        base + 2,
        base + 3,
    ]
    assert not PartnerVersion.objects.filter(entity=other).exists()
