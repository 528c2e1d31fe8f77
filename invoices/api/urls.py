"""The B2B API (`/b2b/…`): tax invoices, attachments, counterparties, business information, bulk
tax invoices. Each module holds its own paths; the writes come first, so `tax-invoices/draft`
and the other fixed names win over `tax-invoices/<key>`."""

from invoices.api import bulk, counterparties, links, nts, reads, tax_invoices

app_name = "invoices"

urlpatterns = [
    *tax_invoices.urlpatterns,
    *reads.urlpatterns,
    *links.urlpatterns,
    *nts.urlpatterns,
    *counterparties.urlpatterns,
    *bulk.urlpatterns,
]
