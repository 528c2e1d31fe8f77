import pytest
from django.core.management import call_command
from portone_server_sdk import errors
from portone_server_sdk.platform import PlatformClient

from core.models import ApiSecret, hash_secret

pytestmark = pytest.mark.django_db(transaction=True)

# A client for another secret is the SDK's PlatformClient alone, the `platform` part of a
# PortOneClient: building a whole PortOneClient costs ~0.8 s, the platform part ~0.4 s.


def test_missing_secret_answers_401_unauthorized(live_server):
    import httpx

    response = httpx.get(f"{live_server.url}/platform/contracts")
    assert response.status_code == 401
    assert response.json()["type"] == "UNAUTHORIZED"


def test_wrong_secret_raises_the_sdk_unauthorized_error(live_server, api_secret):
    client = PlatformClient(secret="sk_wrong", base_url=live_server.url)
    with pytest.raises(errors.UnauthorizedError):
        client.policy.get_platform_contracts()


def test_revoked_secret_is_refused(portone, api_secret):
    ApiSecret.objects.get(secret_hash=hash_secret(api_secret)).revoke()
    with pytest.raises(errors.UnauthorizedError):  # the session's SDK client holds that secret
        portone.platform.get_platform_setting()


def test_create_api_secret_prints_a_working_secret_on_the_last_line(live_server, capsys):
    call_command("create_api_secret", "shop backend")
    raw = capsys.readouterr().out.strip().splitlines()[-1]
    stored = ApiSecret.objects.get(name="shop backend")
    assert stored.secret_hash == hash_secret(raw)
    assert raw not in stored.secret_hash  # only the hash is kept
    client = PlatformClient(secret=raw, base_url=live_server.url)
    assert client.get_platform_setting().is_for_test is False
    stored.refresh_from_db()
    assert stored.last_used_at is not None
