"""The payout part of PortOne's Platform API."""
