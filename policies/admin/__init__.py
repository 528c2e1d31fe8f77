"""Back office for contracts and policies: `entities` (the ModelAdmins, registered here), `forms`
(percent fields and the rules a form checks before the write). Every write goes through
core.versioning, so the admin creates versions and respects archive/schedule rules exactly like
the API."""

from django.contrib import admin

from policies.admin.entities import (
    AdditionalFeePolicyAdmin,
    ContractAdmin,
    DiscountSharePolicyAdmin,
    PlatformSettingAdmin,
)
from policies.models import AdditionalFeePolicy, Contract, DiscountSharePolicy, PlatformSetting

admin.site.register(Contract, ContractAdmin)
admin.site.register(DiscountSharePolicy, DiscountSharePolicyAdmin)
admin.site.register(AdditionalFeePolicy, AdditionalFeePolicyAdmin)
admin.site.register(PlatformSetting, PlatformSettingAdmin)
