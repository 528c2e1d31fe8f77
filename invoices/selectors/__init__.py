"""Reads of tax invoices and bulk tax invoices, one module per area."""
