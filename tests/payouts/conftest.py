"""Payout tests: a clean sandbox bank per test, no back-off waits, and the ledger invariant
(balance = deposits − succeeded withdrawals, one withdrawal per AGENCY payout) asserted after
every test that touched the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from payouts.providers.bank import SandboxBankClient


@pytest.fixture(autouse=True)
def _sandbox_bank(settings):
    settings.PAYOUT_RETRY_BACKOFF_MS = 0
    settings.PAYOUT_BANK_LATENCY_MS = 0
    settings.PAYOUT_BANK_FEE = 0
    SandboxBankClient.reset()
    yield
    SandboxBankClient.reset()


@pytest.fixture(autouse=True)
def _ledger_invariant(request):
    """Set up the database first (so it is still there at teardown), then check the ledger."""
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" in names or (marker and marker.kwargs.get("transaction")):
        request.getfixturevalue("transactional_db")
    elif marker or names & {"db", "make_world"}:
        request.getfixturevalue("db")
    else:
        yield
        return
    yield
    from payouts.services.ledger import assert_ledger_invariant

    for mode in (False, True):
        assert_ledger_invariant(mode)


@dataclass
class World:
    """Partners of every type with one payable ORDER settlement each (settlement amount given),
    in one mode."""

    is_for_test: bool
    partners: dict = field(default_factory=dict)  # name -> Partner
    settlements: dict = field(default_factory=dict)  # name -> [PartnerSettlement]

    def ids(self, *names: str) -> list[str]:
        return [s.public_id for n in names for s in self.settlements[n]]


def settle(partner, amount: int, *, type: str = "ORDER", tax_free: int = 0, day: int = 10):
    from tests.factories import make_transfer

    return make_transfer(
        partner,
        type=type,
        settlement_date=date(2026, 3, day),
        amounts={"settlement": amount, "settlementTaxFree": tax_free},
    )


def gather():
    from settlements.services.gather import partner_settlements_gather

    partner_settlements_gather()


@pytest.fixture
def make_world(db):
    from settlements.models import PartnerSettlement
    from tests.factories import make_contract, make_partner

    def build(specs: dict[str, dict], *, is_for_test: bool = True) -> World:
        """specs: name -> {amount, partner_type?, taxation_type?, account_number?, ...}"""
        world = World(is_for_test=is_for_test)
        contract = make_contract(is_for_test=is_for_test)
        for name, spec in specs.items():
            spec = dict(spec)
            amount = spec.pop("amount")
            tax_free = spec.pop("tax_free", 0)
            kind = spec.pop("partner_type", "BUSINESS")
            partner = make_partner(
                contract_id=contract.public_id,
                is_for_test=is_for_test,
                partner_type=kind,
                name=name,
                **spec,
            )
            world.partners[name] = partner
            settle(partner, amount, tax_free=tax_free)
        gather()
        for name, partner in world.partners.items():
            world.settlements[name] = list(
                PartnerSettlement.objects.filter(partner=partner).order_by("id")
            )
        return world

    return build
