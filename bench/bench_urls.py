"""The reference endpoints of bench/order_transfer_api.py (bench_site), then the project's URLs.

- `POST /bench/trivial`: a Django view that reads the JSON body and answers `{}`: what any request
  through this stack costs at least (the issue's "trivial endpoint").
- `POST /bench/insert`: the same, plus one INSERT of the body into a bare table (`bench_api_ref`,
  made and dropped by the bench): a request that writes one row, nothing else.
"""

import json

from django.db import connection
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from settlement_site.urls import urlpatterns as project_urls

REFERENCE_TABLE = "bench_api_ref"


@csrf_exempt
def trivial(request):
    json.loads(request.body or b"{}")
    return JsonResponse({})


@csrf_exempt
def insert(request):
    body = json.loads(request.body or b"{}")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {REFERENCE_TABLE} (payment_id, body) VALUES (%s, %s)",
            [body.get("paymentId", ""), request.body.decode()],
        )
    return JsonResponse({})


urlpatterns = [
    path("bench/trivial", trivial),
    path("bench/insert", insert),
    *project_urls,
]
