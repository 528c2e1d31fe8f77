import pytest
from django.test import override_settings
from portone_server_sdk import PortOneClient

from core.models import ApiSecret, hash_secret

# One secret value for the whole run: building a PortOneClient creates dozens of httpx clients
# (about a second), so the SDK client is built once per session and each test only (re)creates
# the secret's row in its fresh database.
TEST_SECRET = "sk_test_" + "0123456789abcdef" * 3


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Staff users for the admin tests: PBKDF2's 1,000,000 rounds took ~0.2 s of CPU per user
    (~90 of them); no test is about password hashing, so the tests use the fastest hasher."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True, scope="session")
def _sandbox_bank_book(tmp_path_factory):
    """The sandbox bank's book (a SQLite file) per test session, so parallel test processes and
    the developer's own var/ never share keys; tests/payouts empties it before each test."""
    book = tmp_path_factory.mktemp("sandbox-bank") / "book.sqlite3"
    with override_settings(PAYOUT_SANDBOX_BANK_BOOK=str(book)):
        yield


@pytest.fixture
def api_secret(db) -> str:
    ApiSecret.objects.create(
        name="test integrator", prefix=TEST_SECRET[:8], secret_hash=hash_secret(TEST_SECRET)
    )
    return TEST_SECRET


@pytest.fixture(scope="session")
def _session_sdk(live_server) -> PortOneClient:
    return PortOneClient(secret=TEST_SECRET, base_url=live_server.url)


@pytest.fixture
def portone(_session_sdk, api_secret) -> PortOneClient:
    """The official SDK pointed at our live server."""
    return _session_sdk


@pytest.fixture
def api_client(api_secret):
    """DRF test client with the PortOne Authorization header (no live server needed)."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"PortOne {api_secret}")
    return client
