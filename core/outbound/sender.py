"""The HTTP adapter that carries one outgoing webhook (docs/webhooks.md#delivery).

A POST with the given body and headers; redirects are not followed (a 3xx is a failure: the
receiver must give its final URL), the whole exchange is bounded by timeouts, and at most
`BODY_CAP` bytes of the answer are read (the rest is never downloaded). Never raises for what the
receiver or the network does: the outcome says it.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

BODY_CAP = 4096
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 15.0
USER_AGENT = "settlement-backoffice-webhooks/1"


@dataclass(frozen=True)
class Delivered:
    status_code: int | None  # None: no HTTP answer (timeout, refused, bad URL)
    duration_ms: int
    body: str  # at most BODY_CAP bytes, decoded leniently
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def client(
    *, timeout: float = READ_TIMEOUT, transport: httpx.BaseTransport | None = None
) -> httpx.Client:
    """One client for a run of deliveries: its connections are reused (building a client per
    request costs more than a local delivery: 20 vs 291 deliveries/s measured to a local
    receiver on PostgreSQL, docs/webhooks.md#delivery)."""
    limits = httpx.Timeout(timeout, connect=min(CONNECT_TIMEOUT, timeout))
    return httpx.Client(follow_redirects=False, timeout=limits, transport=transport)


def private_address(url: str) -> str | None:
    """The loopback, private, link-local or reserved address `url`'s host resolves to, if any
    (a receiver must be on the internet: no requests into our own network). Resolved here and
    again by httpx, so a host that changes its answer in between is not caught."""
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return None  # httpx reports the failure
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global or address.is_multicast:
            return str(address)
    return None


#: the most one delivery waits for the answer's body (each read is bounded by the timeouts)
DEADLINE_SECONDS = 30


def post(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    using: httpx.Client | None = None,
    transport: httpx.BaseTransport | None = None,
    allow_private: bool = False,
) -> Delivered:
    if using is None:
        with client(transport=transport) as own:
            return post(url, body, headers, using=own, allow_private=allow_private)
    started = time.monotonic()
    if not allow_private:
        address = private_address(url)
        if address:
            return Delivered(None, 0, "", f"내부망 주소로는 보내지 않습니다 ({address})")
    sent = {"content-type": "application/json", "user-agent": USER_AGENT, **headers}

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        with using.stream("POST", url, content=body, headers=sent) as response:
            read = bytearray()
            for chunk in response.iter_bytes():
                read += chunk
                if len(read) >= BODY_CAP or time.monotonic() - started > DEADLINE_SECONDS:
                    break  # enough to show; a receiver trickling its answer is not waited for
            text = bytes(read[:BODY_CAP]).decode("utf-8", errors="replace")
            error = ""
            if response.is_redirect:
                where = response.headers.get("location", "")
                error = f"리다이렉트는 따라가지 않습니다 (Location: {where})"
            elif not response.is_success:
                error = f"HTTP {response.status_code}"
            return Delivered(response.status_code, took(), text, error[:500])
    except httpx.TimeoutException as exc:
        return Delivered(None, took(), "", f"시간 초과: {type(exc).__name__}")
    except (httpx.HTTPError, ValueError, OSError) as exc:
        return Delivered(None, took(), "", f"{type(exc).__name__}: {exc}"[:500])
