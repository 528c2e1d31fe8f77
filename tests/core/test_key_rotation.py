"""Several FIELD_ENCRYPTION_KEYs for rotation, `manage.py rotate_encryption_key`, and the start-up
rules for the key (core/crypto.py, settlement_site/settings.py, docs/security.md)."""

import base64
import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection

from core import crypto
from core.models import IdempotencyKey
from partners.models import Partner, PartnerVersion
from partners.selectors import _keyword_q
from payouts.models import PayoutAccount
from tests.factories import make_contract, make_partner

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
KEY_C = Fernet.generate_key().decode()
NUMBER = "110123456789"
BIRTHDATE = "1990-01-02"
ROOT = Path(__file__).resolve().parents[2]


def raw(table: str, column: str, where: str = "") -> list:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote(column)} FROM {quote(table)} {where} ORDER BY 1")
        return [bytes(v) if isinstance(v, memoryview) else v for (v,) in cursor.fetchall()]


def opens_with(key: str, token: str | bytes) -> bool:
    token = token.encode() if isinstance(token, str) else token
    try:
        Fernet(key).decrypt(token)
    except Exception:
        return False
    return True


@pytest.fixture
def under_a(db, settings):
    """A partner (with its history and version rows), a payout account and an idempotency
    replay, all written while FIELD_ENCRYPTION_KEY was A alone."""
    settings.FIELD_ENCRYPTION_KEY = KEY_A
    make_contract("c-1")
    make_partner(
        "p-1",
        contract_id="c-1",
        partner_type="WHT_PAYER",
        account_number=NUMBER,
        birthdate=BIRTHDATE,
    )
    PayoutAccount.objects.create(is_for_test=True, account_number="999888777666", holder="회사")
    IdempotencyKey.objects.create(
        caller="c" * 64,
        key="k-1",
        request_hash="h",
        method="POST",
        path="/platform/partners",
        status_code=200,
        response_body=f'{{"number":"{NUMBER}"}}'.encode(),
        content_type="application/json",
    )
    tokens = raw("partners_partner", "account_number") + raw("core_idempotencykey", "response_body")
    assert tokens and all(opens_with(KEY_A, t) for t in tokens)
    assert Partner.history.count() >= 1 and PartnerVersion.objects.count() >= 1
    return settings


def test_a_list_of_keys_encrypts_with_the_first_and_reads_with_all(under_a):
    under_a.FIELD_ENCRYPTION_KEY = f"{KEY_B}, {KEY_A}"

    assert Partner.objects.get().account_number == NUMBER  # written under A
    token = crypto.encrypt("new")
    assert opens_with(KEY_B, token) and not opens_with(KEY_A, token)


def test_rotation_rewrites_every_encrypted_column_then_the_new_key_alone_reads_them(under_a):
    under_a.FIELD_ENCRYPTION_KEY = f"{KEY_B},{KEY_A}"
    out = io.StringIO()
    call_command("rotate_encryption_key", batch_size=1, stdout=out)
    report = out.getvalue()

    assert "키 2개" in report
    assert "partners_partner: 1행 중 1행 다시 암호화" in report
    history_rows = Partner.history.count()
    assert f"partners_historicalpartner: {history_rows}행 중 {history_rows}행" in report
    assert "payouts_payoutaccount: 1행 중 1행 다시 암호화" in report
    assert "core_idempotencykey: 1행 중 1행 다시 암호화" in report
    versions = PartnerVersion.objects.count()
    assert f"partners_partnerversion: {versions}행 중 {versions}행 다시 암호화" in report
    assert "payouts_payout: 0행 중 0행 다시 암호화" in report

    for table, column in [
        ("partners_partner", "account_number"),
        ("partners_partner", "birthdate"),
        ("partners_historicalpartner", "account_number"),
        ("payouts_payoutaccount", "account_number"),
        ("core_idempotencykey", "response_body"),
    ]:
        tokens = raw(table, column, f"WHERE {connection.ops.quote_name(column)} IS NOT NULL")
        assert tokens, (table, column)
        assert all(opens_with(KEY_B, t) and not opens_with(KEY_A, t) for t in tokens), table

    under_a.FIELD_ENCRYPTION_KEY = KEY_B  # A retired
    partner = Partner.objects.get()
    assert (partner.account_number, partner.birthdate) == (NUMBER, BIRTHDATE)
    assert {h.account_number for h in Partner.history.all()} == {NUMBER}
    assert PayoutAccount.objects.get().account_number == "999888777666"
    assert IdempotencyKey.objects.get().response_body == f'{{"number":"{NUMBER}"}}'.encode()
    # the blind index was rebuilt under B: exact search still finds the partner
    assert partner.account_number_index == crypto.blind_index(NUMBER)
    assert list(Partner.objects.filter(_keyword_q(("accountNumber", NUMBER)))) == [partner]
    for version in PartnerVersion.objects.all():
        assert crypto.decrypt(version.terms["account_number"]) == NUMBER
        assert crypto.decrypt(version.terms["birthdate"]) == BIRTHDATE


def test_rotation_is_idempotent(under_a):
    under_a.FIELD_ENCRYPTION_KEY = f"{KEY_B},{KEY_A}"
    call_command("rotate_encryption_key", stdout=io.StringIO())
    before = raw("partners_partner", "account_number")

    out = io.StringIO()
    call_command("rotate_encryption_key", stdout=out)

    assert "완료: 0행을 다시 암호화했습니다." in out.getvalue()
    assert "partners_partner: 1행 중 0행 다시 암호화" in out.getvalue()
    assert raw("partners_partner", "account_number") == before


def test_a_value_no_key_opens_is_a_clear_error_not_garbage(under_a):
    under_a.FIELD_ENCRYPTION_KEY = KEY_C

    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEY에 없는 키"):
        Partner.objects.get()
    with pytest.raises(CommandError, match=r"core_idempotencykey id=\d+ response_body: .*열리지"):
        call_command("rotate_encryption_key", stdout=io.StringIO())

    under_a.FIELD_ENCRYPTION_KEY = f"{KEY_C},{KEY_A}"  # the old key back: the run completes
    call_command("rotate_encryption_key", stdout=io.StringIO())
    under_a.FIELD_ENCRYPTION_KEY = KEY_C
    assert Partner.objects.get().account_number == NUMBER


def test_a_malformed_key_names_its_position(settings):
    settings.FIELD_ENCRYPTION_KEY = f"{KEY_A},not-a-key"
    with pytest.raises(ImproperlyConfigured, match=r"key 2 is not a Fernet key.*generate_key"):
        crypto.encrypt("x")


def _start(tmp_path, **env) -> subprocess.CompletedProcess:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "DEBUG", "FIELD_ENCRYPTION_KEY", "DATABASE_URL")
    }
    environment.update(VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="settlement_site.settings")
    environment.update(env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.FIELD_ENCRYPTION_KEY)",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_deployment_without_the_key_does_not_start(tmp_path):
    started = _start(tmp_path, SECRET_KEY="deployed-secret")

    assert started.returncode != 0
    assert "ImproperlyConfigured: FIELD_ENCRYPTION_KEY must be set" in started.stderr
    assert "Fernet.generate_key()" in started.stderr
    assert not (tmp_path / "field_encryption_key").exists()


def test_a_deployment_with_a_malformed_key_does_not_start(tmp_path):
    started = _start(tmp_path, SECRET_KEY="s", FIELD_ENCRYPTION_KEY=f"{KEY_A},short")

    assert started.returncode != 0
    assert "FIELD_ENCRYPTION_KEY: key 2 is not a Fernet key" in started.stderr


def test_a_deployment_reads_a_key_list(tmp_path):
    started = _start(tmp_path, SECRET_KEY="s", FIELD_ENCRYPTION_KEY=f" {KEY_B},{KEY_A} ")

    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == f"{KEY_B},{KEY_A}"


def test_a_checkout_writes_its_key_once_and_keeps_it_when_secret_key_changes(tmp_path):
    """`make run` / `make test`: no SECRET_KEY, DEBUG off. The key file starts as the key older
    versions derived from SECRET_KEY (existing development data stays readable) and then lives
    on its own."""
    first = _start(tmp_path)
    assert first.returncode == 0, first.stderr
    secret_key = (tmp_path / "secret_key").read_text().strip()
    derived = hashlib.sha256(b"field-encryption:" + secret_key.encode()).digest()
    assert first.stdout.strip() == base64.urlsafe_b64encode(derived).decode()
    assert (tmp_path / "field_encryption_key").stat().st_mode & 0o777 == 0o600

    (tmp_path / "secret_key").write_text("rotated-secret-key")
    again = _start(tmp_path, DEBUG="true", SECRET_KEY="another")
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == first.stdout.strip()


def test_between_a_key_change_and_the_command_exact_search_and_holder_lookups_still_match(
    under_a,
):
    """A row indexed under the old key is found by exact account-number search, and a 예금주
    조회 record made before the change (it keeps only its index) still matches its number."""
    from partners.models import AccountVerification
    from partners.services.partners import _consume_account_verification

    row = AccountVerification.objects.create(
        public_id="av-1",
        is_for_test=False,
        bank="KOOKMIN",
        account_number_index=crypto.blind_index(NUMBER),  # under A
        holder_name="홍길동",
    )
    under_a.FIELD_ENCRYPTION_KEY = f"{KEY_B},{KEY_A}"  # changed, command not yet run
    assert crypto.blind_index(NUMBER) != row.account_number_index
    partner = Partner.objects.get()
    assert list(Partner.objects.filter(_keyword_q(("accountNumber", NUMBER)))) == [partner]
    used = _consume_account_verification("av-1", bank="KOOKMIN", number=NUMBER, is_for_test=False)
    assert used.pk == row.pk and used.used_at is not None
    under_a.FIELD_ENCRYPTION_KEY = KEY_B  # A retired before the command: no longer found
    assert list(Partner.objects.filter(_keyword_q(("accountNumber", NUMBER)))) == []
