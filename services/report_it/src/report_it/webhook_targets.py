"""Where a webhook may point: not at the council's own network unless the council says so.

A manager's token is enough to register a webhook, and the deliverer then makes requests from inside the cluster:
a URL naming a loopback, private, link-local (cloud metadata) or otherwise reserved address would let it reach
services that are not meant to be reachable (server-side request forgery). Such targets are refused unless
`webhook_allow_private_targets` is set (a contractor's system on the council's own network, or tests).
The host is resolved when the webhook is registered; a name that later resolves elsewhere is not re-checked.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from deal_shared.errors import ValidationFailed


def _addresses(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise ValidationFailed(
            f"The webhook's host {host!r} cannot be resolved.",
            errors=[{"field": "body.url", "reason": "names a host that cannot be resolved"}],
        ) from None
    return [ipaddress.ip_address(info[4][0]) for info in found]


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def check_target(url: str, *, allow_private: bool) -> None:
    if allow_private:
        return
    host = urlsplit(url).hostname or ""
    private = [str(a) for a in _addresses(host) if not _is_public(a)]
    if private:
        raise ValidationFailed(
            f"The webhook's host {host!r} is a private or reserved address ({private[0]}); webhooks go to systems "
            "outside the council's network.",
            errors=[{"field": "body.url", "reason": "points at a private or reserved address"}],
        )
