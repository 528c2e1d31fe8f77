"""The finance team's pages of tax invoices: invoices, bulk requests, counterparties, our own
company, the sheet upload."""

from invoices.admin import bulk, counterparties, own_company, tax_invoices, uploads  # noqa: F401
