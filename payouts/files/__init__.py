"""What payout spreadsheets mean: the bank-statement deposit upload (docs/payouts.md#ledger)."""
