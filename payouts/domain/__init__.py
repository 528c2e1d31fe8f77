"""Pure payout rules: what a partner is paid out of its net settlement (`amounts`)."""
