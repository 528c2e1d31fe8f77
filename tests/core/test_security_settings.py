"""A locked-down admin (README "Security"): login lockout (django-axes), HTTPS=1 (secure cookies,
HSTS, redirect; `check --deploy` clean), the Content-Security-Policy header."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

ROOT = Path(settings.BASE_DIR)
PASSWORD = "s3cret-pw-for-lockout"


def _deployment_env(tmp_path, **extra) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"HTTPS", "DEBUG", "SECRET_KEY", "FIELD_ENCRYPTION_KEY", "ALLOWED_HOSTS"}
        # set by tests/browser/conftest.py for Playwright; a deployment never has it (async.E001)
        and key != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(
        VAR_DIR=str(tmp_path),
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="settlement.example.com",
        DJANGO_SETTINGS_MODULE="settlement_site.settings",
    )
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


# --- HTTPS=1 ---------------------------------------------------------------------------------


def test_check_deploy_reports_nothing_with_https(tmp_path):
    done = _run(["manage.py", "check", "--deploy"], _deployment_env(tmp_path, HTTPS="1"))
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout, done.stdout + done.stderr


def test_check_deploy_without_https_names_what_is_missing(tmp_path):
    done = _run(["manage.py", "check", "--deploy"], _deployment_env(tmp_path))
    output = done.stdout + done.stderr
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in output, output


_READ_SETTINGS = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({name: getattr(settings, name) for name in %r}))
"""
HTTPS_SETTINGS = [
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
]


@pytest.fixture(scope="module")
def https_settings(tmp_path_factory) -> dict:
    """The settings HTTPS=1 gives, read by a fresh process (settings read the environment once)."""
    env = _deployment_env(tmp_path_factory.mktemp("https"), HTTPS="1")
    done = _run(["-c", _READ_SETTINGS % HTTPS_SETTINGS], env)
    assert done.returncode == 0, done.stderr
    values = json.loads(done.stdout.strip().splitlines()[-1])
    values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


def test_https_settings(https_settings):
    assert https_settings == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    }


def test_with_https_plain_http_is_redirected_and_https_gets_hsts(client, db, https_settings):
    with override_settings(**https_settings):
        plain = client.get("/admin/login/")
        assert plain.status_code == 301
        assert plain["Location"] == "https://testserver/admin/login/"

        # what the proxy in front says for a request that came in over HTTPS
        secure = client.get("/admin/login/", headers={"X-Forwarded-Proto": "https"})
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert secure.cookies["csrftoken"]["secure"] is True


@pytest.mark.skipif(os.environ.get("HTTPS") not in (None, "", "0"), reason="HTTPS set")
def test_without_https_cookies_are_not_secure(client, db):
    assert settings.SESSION_COOKIE_SECURE is False and settings.CSRF_COOKIE_SECURE is False
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response
    assert not response.cookies["csrftoken"]["secure"]


# --- Content-Security-Policy -------------------------------------------------------------------


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part
    }


def test_every_page_carries_the_policy(admin_client):
    policy = _policy(admin_client.get("/admin/"))
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["script-src"]


def test_inline_scripts_carry_the_pages_nonce(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    nonces = {f"'nonce-{n}'" for n in re.findall(r'<script nonce="([^"]+)"', response.text)}
    assert len(nonces) == 1, response.text
    assert nonces <= set(_policy(response)["script-src"])


# --- Login lockout (django-axes) -----------------------------------------------------------------


@pytest.fixture
def finance(django_user_model):
    return django_user_model.objects.create_user(
        username="finance", password=PASSWORD, is_staff=True, is_superuser=True
    )


def _login(client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def test_five_failed_logins_lock_the_username_at_that_address(client, finance):
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    for _ in range(4):
        assert _login(client, "finance", "wrong").status_code == 200  # the form again
    locked = _login(client, "finance", "wrong")
    assert locked.status_code == 429
    assert "로그인 잠김" in locked.text and "15분 뒤에 다시 시도하세요" in locked.text

    # even the right password is refused now, from that address
    assert _login(client, "finance", PASSWORD).status_code == 429
    # the same username from elsewhere, and another username from there, are not locked
    assert _login(client, "finance", PASSWORD, address="10.0.0.2").status_code == 302
    client.logout()
    assert _login(client, "someone-else", "wrong").status_code == 200


def test_axes_reset_unlocks(client, finance):
    for _ in range(5):
        _login(client, "finance", "wrong")
    assert _login(client, "finance", PASSWORD).status_code == 429
    call_command("axes_reset", verbosity=0)
    assert _login(client, "finance", PASSWORD).status_code == 302


def test_a_successful_login_resets_the_count(client, finance):
    for _ in range(4):
        _login(client, "finance", "wrong")
    assert _login(client, "finance", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert _login(client, "finance", "wrong").status_code == 200


def test_lockout_ends_15_minutes_after_the_last_attempt(client, finance, time_machine):
    time_machine.move_to("2026-03-02 10:00:00+09:00", tick=False)
    for _ in range(5):
        _login(client, "finance", "wrong")
    time_machine.move_to("2026-03-02 10:14:00+09:00", tick=False)
    assert _login(client, "finance", PASSWORD).status_code == 429
    # an attempt while locked out starts the 15 minutes again (axes' default)
    time_machine.move_to("2026-03-02 10:28:00+09:00", tick=False)
    assert _login(client, "finance", PASSWORD).status_code == 429
    time_machine.move_to("2026-03-02 10:44:00+09:00", tick=False)
    assert _login(client, "finance", PASSWORD).status_code == 302


def test_force_login_still_works(admin_client):
    """The test fixtures log in with force_login (no authenticate(), so axes is not asked)."""
    assert admin_client.get("/admin/").status_code == 200
