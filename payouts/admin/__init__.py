"""The payouts back office (docs/payouts.md#bulk-payouts): bulk payouts with their create page and
buttons (`bulk_payouts`, `create`), payouts (`payouts`), the payout account's ledger and
deposits (`ledger`), two actions on the partner-settlement list (`settlement_actions`) and the
home cards (`home`). Registered here."""

from django.contrib import admin

from payouts.admin import (
    home,  # noqa: F401 - registers the home cards
    settlement_actions,
)
from payouts.admin.bulk_payouts import BulkPayoutAdmin
from payouts.admin.ledger import AccountTransferAdmin, PayoutAccountAdmin
from payouts.admin.payouts import PayoutAdmin
from payouts.models import AccountTransfer, BulkPayout, Payout, PayoutAccount

admin.site.register(BulkPayout, BulkPayoutAdmin)
admin.site.register(Payout, PayoutAdmin)
admin.site.register(AccountTransfer, AccountTransferAdmin)
admin.site.register(PayoutAccount, PayoutAccountAdmin)
settlement_actions.install()

__all__ = ["AccountTransferAdmin", "BulkPayoutAdmin", "PayoutAccountAdmin", "PayoutAdmin"]
