"""What the providers' real HTTP clients share. Adapters only: no ORM, no domain decision."""

from __future__ import annotations

import functools
import ssl
from typing import Final

import httpx

DEFAULT_TIMEOUT_SECONDS: Final = 10.0


@functools.cache
def tls_context() -> ssl.SSLContext:
    """Built once: loading the CA bundle costs ~25 ms, too much to repeat on every call."""
    return httpx.create_ssl_context()
