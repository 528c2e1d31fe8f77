"""The settlement back office: model admins (`records`), the dashboard and the uploads."""

from settlements.admin.records import (
    ClosedDayAdmin,
    PartnerSettlementAdmin,
    PaymentAdmin,
    SettlementParameterAdmin,
    TransferAdmin,
)

__all__ = [
    "ClosedDayAdmin",
    "PartnerSettlementAdmin",
    "PaymentAdmin",
    "SettlementParameterAdmin",
    "TransferAdmin",
]
