"""Demo partners of every type for `make run` (ids start with `demo-`)."""

from partners.models import Partner
from partners.services.partners import PartnerChange, partners_create
from partners.services.verification import verify_partners

DEMO = [
    PartnerChange(
        id="demo-seller-1",
        contract_id="demo-standard",
        terms={
            "name": "샌드박스 패션",
            "memo": "데모 사업자",
            "tags": ["패션", "우수"],
            "user_defined_properties": {},
            "contact_name": "김담당",
            "contact_email": "fashion@example.com",
            "contact_phone": "010-1111-2222",
            "bank": "KOOKMIN",
            "account_currency": "KRW",
            "account_number": "11012345678905",
            "account_holder": "(주)샌드박스",
            "partner_type": "BUSINESS",
            "company_name": "주식회사 샌드박스",
            "business_registration_number": "1208147521",
            "representative_name": "김대표",
            "taxation_type": "NORMAL",
            "company_address": "서울특별시 중구 세종대로 110",
            "business_type": "도소매",
            "business_class": "의류",
        },
    ),
    PartnerChange(
        id="demo-seller-2",
        contract_id="demo-weekly",
        terms={
            "name": "라마바 리빙 (폐업 예시)",
            "tags": ["리빙"],
            "user_defined_properties": {},
            "contact_name": "박담당",
            "contact_email": "living@example.com",
            "bank": "SHINHAN",
            "account_currency": "KRW",
            "account_number": "100200300401",
            "account_holder": "김민준",
            "partner_type": "BUSINESS",
            "company_name": "라마바",
            "business_registration_number": "1209800015",
            "representative_name": "박대표",
            "taxation_type": "SIMPLE_TAX_INVOICE_ISSUER",
        },
    ),
    PartnerChange(
        id="demo-instructor-1",
        contract_id="demo-daily",
        terms={
            "name": "이강사",
            "memo": "프리랜서 강사 (원천징수 3.3%)",
            "tags": ["강사"],
            "user_defined_properties": {},
            "contact_name": "이강사",
            "contact_email": "teacher@example.com",
            "bank": "KAKAO",
            "account_currency": "KRW",
            "account_number": "3333012345670",
            "account_holder": "홍길동",
            "partner_type": "WHT_PAYER",
            "birthdate": "1990-01-31",
        },
    ),
    PartnerChange(
        id="demo-creator-1",
        contract_id="demo-daily",
        terms={
            "name": "최수아",
            "tags": ["크리에이터"],
            "user_defined_properties": {},
            "contact_name": "최수아",
            "contact_email": "creator@example.com",
            "bank": "TOSS",
            "account_currency": "KRW",
            "account_number": "100012345674",
            "account_holder": "최수아",
            "partner_type": "NON_WHT_PAYER",
        },
    ),
]


def load() -> int:
    if Partner.objects.filter(public_id="demo-seller-1").exists():
        return 0
    created = partners_create(is_for_test=False, items=DEMO)
    verify_partners([p.pk for p in created])  # so the demo shows verification outcomes at once
    return len(created)
