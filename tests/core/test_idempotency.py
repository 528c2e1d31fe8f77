import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from core.models import IdempotencyKey
from policies.models import DiscountSharePolicy

BODY = {"name": "쿠폰", "partnerShareRate": 10_000}
URL = "/platform/discount-share-policies"


@pytest.mark.django_db
def test_repeat_returns_the_first_answer_without_redoing_work(api_client):
    first = api_client.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    second = api_client.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert DiscountSharePolicy.objects.count() == 1


@pytest.mark.django_db
def test_same_key_with_another_body_is_refused(api_client):
    api_client.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k2")
    other = api_client.post(
        URL, {**BODY, "partnerShareRate": 1}, format="json", HTTP_IDEMPOTENCY_KEY="k2"
    )
    assert other.status_code == 400
    assert other.json()["type"] == "INVALID_REQUEST"
    assert "Idempotency-Key" in other.json()["message"]
    assert DiscountSharePolicy.objects.count() == 1


@pytest.mark.django_db
def test_failed_request_is_not_remembered(api_client):
    bad = api_client.post(URL, {"name": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k3")
    assert bad.status_code == 400
    assert not IdempotencyKey.objects.filter(key="k3").exists()
    good = api_client.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k3")
    assert good.status_code == 200


@pytest.mark.django_db
def test_keys_expire_after_a_day(api_client):
    api_client.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k4")
    IdempotencyKey.objects.filter(key="k4").update(created_at=timezone.now() - timedelta(hours=25))
    again = api_client.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k4")
    assert again.status_code == 200
    assert "Idempotent-Replayed" not in again
    assert DiscountSharePolicy.objects.count() == 2


@pytest.mark.django_db
def test_keys_are_scoped_to_the_caller(api_client, api_secret):
    from rest_framework.test import APIClient

    from core.models import ApiSecret

    _other, raw = ApiSecret.issue(name="other")
    other_client = APIClient()
    other_client.credentials(HTTP_AUTHORIZATION=f"PortOne {raw}")
    api_client.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    other_client.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert DiscountSharePolicy.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_do_the_work_once(live_server, api_secret):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises all writers; the race needs a real server database")
    import httpx

    results = []

    def send():
        response = httpx.post(
            f"{live_server.url}{URL}",
            json=BODY,
            headers={"Authorization": f"PortOne {api_secret}", "Idempotency-Key": "race"},
        )
        results.append((response.status_code, response.json()))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert DiscountSharePolicy.objects.count() == 1
    ok = [body for status, body in results if status == 200]
    assert ok and all(body == ok[0] for body in ok)
