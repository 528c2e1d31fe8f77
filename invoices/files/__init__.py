"""What uploaded tax-invoice sheets mean."""
