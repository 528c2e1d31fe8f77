"""Pages outside the admin: the partner's page behind an e-mailed link (links) and the signed
viewer URLs of invoices (viewer). No login; each URL carries its own signature."""

from invoices.portal import certificates, links, viewer

app_name = "invoice_pages"

urlpatterns = [*links.urlpatterns, *viewer.urlpatterns, *certificates.urlpatterns]
