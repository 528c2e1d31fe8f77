"""Back office for partners: `partners` (the ModelAdmins, registered here) and `uploads` (bulk
registration from CSV/XLSX and the export). Thin: writes go through partners.services, files
through partners.files."""

from django.contrib import admin

from partners.admin.partners import (
    AccountVerificationAdmin,
    CompanyVerificationAdmin,
    PartnerAdmin,
    UserDefinedPropertyAdmin,
)
from partners.models import AccountVerification, CompanyVerification, Partner, UserDefinedProperty

admin.site.register(Partner, PartnerAdmin)
admin.site.register(UserDefinedProperty, UserDefinedPropertyAdmin)
admin.site.register(AccountVerification, AccountVerificationAdmin)
admin.site.register(CompanyVerification, CompanyVerificationAdmin)
