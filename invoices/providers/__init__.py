"""Adapters to the outside services of tax invoices: the e-tax service (member companies), the
NTS transmission, the messenger. Each: Protocol + deterministic sandbox + factory from settings."""

from invoices.providers.etax import (  # noqa: F401 - the names partners import
    EtaxClient,
    EtaxError,
    MemberRegistration,
    SandboxEtaxClient,
    get_etax_client,
)
