"""Core's admin: API secrets and idempotency keys (`secrets`), the 시스템 section (`system`), and
what every app's admin shares — the base classes (`base`), money and status display (`display`),
the Excel download (`exports`), the sidebar (`navigation`), archive/recover actions, the percent
widget, version inlines and the spreadsheet upload pages."""

from core.admin import (
    outbound_webhooks,  # noqa: F401 - 웹훅 엔드포인트, 웹훅 전송 내역
    system,  # noqa: F401 - registers the 시스템 section's admins
)
from core.admin.secrets import ApiSecretAdmin, IdempotencyKeyAdmin

__all__ = ["ApiSecretAdmin", "IdempotencyKeyAdmin"]
