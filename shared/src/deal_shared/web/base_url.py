"""The base of the links a service puts in its answers (photos, feeds, calendars).

In production it is configured (each service's PUBLIC_BASE_URL). Without it, on a laptop or a phone on the same
network, links follow the request, but the Host header is the client's to choose: a link built on any Host would
point wherever a caller, or a cache in between, liked. So only this machine's own names are taken from it.
"""

from __future__ import annotations

from functools import lru_cache

from starlette.datastructures import URL
from starlette.requests import Request


def links_base_url(request: Request, configured: str) -> str:
    """Where links in answers point: the configured public URL, else the one the request came to."""
    configured = configured.rstrip("/")
    if configured:
        return configured
    scope = request.scope
    host = next((value for name, value in scope["headers"] if name == b"host"), b"")
    root = scope.get("app_root_path", scope.get("root_path", ""))
    server = tuple(scope["server"]) if scope.get("server") else None
    if not _names_this_server(host, server):
        # The Host header is the client's to choose: links built on it would point wherever a caller (or a cache
        # in between) liked. Without a configured URL, only this machine's own names are taken from it.
        host = b""
    return _base_url_of(scope.get("scheme", "http"), server, host, root)


_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


@lru_cache(maxsize=64)
def _names_this_server(host: bytes, server: tuple[str, int | None] | None) -> bool:
    """Whether a Host header names this machine: a loopback name, or the address the connection came in on."""
    text = host.decode("latin-1").strip().lower()
    name = text[1 : text.find("]")] if text.startswith("[") else text.rsplit(":", 1)[0]
    return bool(name) and (name in _LOOPBACK_NAMES or (server is not None and name == str(server[0]).lower()))


@lru_cache(maxsize=64)
def _base_url_of(scheme: str, server: tuple[str, int | None] | None, host: bytes, root_path: str) -> str:
    # What Starlette's `request.base_url` gives, from the only parts of the request it reads. Building that URL
    # costs more than the rest of a report's links; the few distinct hosts a service is reached by are kept (the
    # Host header is the client's to choose, hence a bounded cache).
    scope = {
        "type": "http",
        "scheme": scheme,
        "server": server,
        "path": root_path if root_path.endswith("/") else root_path + "/",
        "root_path": root_path,
        "query_string": b"",
        "headers": [(b"host", host)] if host else [],
    }
    return str(URL(scope=scope)).rstrip("/")
