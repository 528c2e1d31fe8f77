"""PortOne Platform API for contracts, policies and the platform setting: `views` (thin:
validate -> core.versioning / policies.services -> output), `outputs` (the wire JSON), `urls`."""
