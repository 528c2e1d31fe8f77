"""PortOne Platform API for partners (PartnerClient and the partner parts of PlatformClient),
company-state and account-holder lookups: `views` (thin: validate -> service / selector ->
output), `outputs` (the wire JSON), `urls`."""
