"""The HTTP adapter that carries one outgoing webhook (docs/webhooks.md#delivery).

A POST with the given body and headers, to the address checked as public (`pinned`). Redirects
are not followed (a 3xx is a failure: the receiver must give its final URL); each read is bounded
by the timeouts and reading the answer by DEADLINE_SECONDS; at most `BODY_CAP` bytes of it are
read (the rest is never downloaded). Never raises for what the
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


def _addresses(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address] | None:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return None  # httpx reports the failure
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def _internal(address) -> bool:
    return not address.is_global or address.is_multicast


def private_address(url: str) -> str | None:
    """The loopback, private, link-local or reserved address `url`'s host resolves to, if any
    (a receiver must be on the internet: no requests into our own network)."""
    for address in _addresses(urlsplit(url).hostname or "") or []:
        if _internal(address):
            return str(address)
    return None


def pinned(url: str) -> tuple[str, dict, dict] | str:
    """`url` resolved once and checked: (the URL with the checked address in place of the host,
    the Host header, the TLS server name) — so the connection goes to the address that was
    checked, and a name that answers differently a moment later (DNS rebinding) cannot point
    the request into our network. A str: the internal address that refused it."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    addresses = _addresses(host)
    if not addresses:
        return url, {}, {}  # unresolvable (or no host): httpx reports it
    for address in addresses:
        if _internal(address):
            return str(address)
    ip = addresses[0]
    literal = f"[{ip}]" if ip.version == 6 else str(ip)
    netloc = literal if parts.port is None else f"{literal}:{parts.port}"
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    return (
        parts._replace(netloc=netloc).geturl(),
        {"host": parts.netloc.rpartition("@")[2]},
        extensions,
    )


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
    extensions: dict = {}
    sent = {"content-type": "application/json", "user-agent": USER_AGENT, **headers}
    if not allow_private:
        target = pinned(url)
        if isinstance(target, str):
            return Delivered(None, 0, "", f"내부망 주소로는 보내지 않습니다 ({target})")
        url, host_header, extensions = target
        sent.update(host_header)

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        with using.stream(
            "POST", url, content=body, headers=sent, extensions=extensions
        ) as response:
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
