"""Adapters to the bank that sends AGENCY payouts (docs/payouts.md#bank-adapters)."""
