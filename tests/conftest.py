import pytest
from portone_server_sdk import PortOneClient

from core.models import ApiSecret


@pytest.fixture
def api_secret(db) -> str:
    _obj, raw = ApiSecret.issue(name="test integrator")
    return raw


@pytest.fixture
def portone(live_server, api_secret) -> PortOneClient:
    """The official SDK pointed at our live server."""
    return PortOneClient(secret=api_secret, base_url=live_server.url)


@pytest.fixture
def api_client(api_secret):
    """DRF test client with the PortOne Authorization header (no live server needed)."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"PortOne {api_secret}")
    return client
