"""Core's admin: API secrets and idempotency keys (`secrets`), and what every app's admin
shares — archive/recover actions, the percent widget, version inlines and the spreadsheet
upload pages."""

from core.admin.secrets import ApiSecretAdmin, IdempotencyKeyAdmin

__all__ = ["ApiSecretAdmin", "IdempotencyKeyAdmin"]
