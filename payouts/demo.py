"""The demo platform's live payout account for `make run`: a bank, a number and a holder, so the
ledger, the bulk-transfer file and the API's payout-account read show what a real one does. Its
balance starts at 0 like any new live account; a deposit is the first step of a rehearsal."""

from payouts.services import ledger

DEMO_ACCOUNT = {"bank": "KOOKMIN", "account_number": "00490104123456", "holder": "(주)데모플랫폼"}


def load() -> int:
    account = ledger.payout_account(False)
    if account.account_number:
        return 0
    for field, value in DEMO_ACCOUNT.items():
        setattr(account, field, value)
    account.save(update_fields=[*DEMO_ACCOUNT, "updated_at"])
    return 1
