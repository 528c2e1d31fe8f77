"""Settings for the server bench/order_transfer_api.py starts: the project's own, with two
reference endpoints in front of its URLs (bench_urls), so the references are served by the same
gunicorn, the same middleware and the same database as the order-transfer API. Never deployed."""

from settlement_site.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
