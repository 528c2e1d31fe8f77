"""Payout writes: completing partner settlements paid outside the system."""
