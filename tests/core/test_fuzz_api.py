"""Schema-driven fuzzing: every operation of our own /api/schema/ gets a bounded, reproducible
batch of schemathesis-generated requests (valid and invalid), authenticated, and none may answer
5xx (schemathesis' `not_a_server_error` check). What it finds becomes a plain regression test in
test_fuzz_regressions.py.

How it runs: the schema is loaded once per process at collection, from /api/schema/ through the
WSGI app (the schema view reads no table); schemathesis turns the one test below into one test per
operation (pytest-xdist spreads them over the workers). Each operation gets the `fuzzing` phase
(MAX_EXAMPLES valid and invalid requests, derandomized with a fixed seed: the same requests on
every run and machine) and the positive half of the `coverage` phase (the schema's boundary
values, deterministic). Each request runs on its own savepoint inside the test's transaction and
is rolled back.

Deeper, locally (not in CI): FUZZ_MAX_EXAMPLES=200 FUZZ_COVERAGE_MODE=all.
"""

from __future__ import annotations

import logging
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from settlement_site.wsgi import application
from tests.conftest import TEST_SECRET
from tests.factories import (
    make_additional_fee_policy,
    make_contract,
    make_discount_share_policy,
    make_partner,
)

AUTHORIZATION = {"Authorization": f"PortOne {TEST_SECRET}"}
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "15"))
# One public id shared by a seeded contract, discount-share policy, additional-fee policy and
# partner: `{id}` paths hit an existing entity most of the time (else only 404 is tested).
SEEDED_ID = "fuzz-1"

CONFIG = schemathesis.config.SchemathesisConfig.from_dict(
    {
        "seed": 20260311,
        "generation": {"deterministic": True},
        # The coverage phase's negative half (every type and boundary violation: ~11,000 requests,
        # ~100 s per database on 2 cores) is for local runs: FUZZ_COVERAGE_MODE=all.
        "phases": {
            "coverage": {"generation": {"mode": os.environ.get("FUZZ_COVERAGE_MODE", "positive")}}
        },
        "headers": AUTHORIZATION,
        "dictionaries": {"ids": {"values": [SEEDED_ID]}},
        "parameters": {"path.id": {"dictionary": "ids", "probability": 0.7}},
    }
)

schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG).exclude(
    # Signed by PortOne (Standard Webhooks), not by an API secret: only its 400 is reachable.
    path_regex="^/webhooks/"
)


class _LoggedErrors(logging.Handler):
    """What core.api.errors ("unhandled API error") or django.request logged during one call,
    with the traceback, for the failure message."""

    LOGGERS = ("core.api.errors", "django.request")

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def __enter__(self) -> _LoggedErrors:
        for name in self.LOGGERS:
            logging.getLogger(name).addHandler(self)
        return self

    def __exit__(self, *exc_info) -> None:
        for name in self.LOGGERS:
            logging.getLogger(name).removeHandler(self)

    def text(self) -> str:
        formatter = logging.Formatter()
        return "\n".join(formatter.format(record) for record in self.records)


@pytest.fixture
def _fuzz_world(api_secret):
    """The API secret and the seeded entities; and, as Django's test client does, the WSGI app
    must not close the test's connection at the end of each request (it would: inside the test's
    transaction the connection is not in autocommit)."""
    contract = make_contract(SEEDED_ID)
    make_discount_share_policy(SEEDED_ID)
    make_additional_fee_policy(SEEDED_ID)
    make_partner(SEEDED_ID, contract_id=contract.public_id)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.usefixtures("_fuzz_world")
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # The fixtures are per test, not per example: each example rolls its own writes back.
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_a_server_error(case):
    # Each case on its own savepoint: one case's writes (or a failed statement, which on
    # PostgreSQL aborts the transaction) never reach the next.
    with _LoggedErrors() as errors, transaction.atomic():
        response = case.call()
        transaction.set_rollback(True)
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} answered {response.status_code}\n"
        f"{case.as_curl_command(headers=AUTHORIZATION)}\n{errors.text()}"
    )
    case.validate_response(response, checks=[not_a_server_error])
