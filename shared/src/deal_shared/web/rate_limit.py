"""A burst limit per client address for anonymous writes, kept in the service itself.

The gateway limits each client too (deploy/components/envoy-gateway), but a service must not depend on what sits
in front of it: run on a laptop, behind another proxy or reached inside the cluster, it still refuses a flood of
anonymous writes from one address with a 429 and `Retry-After`.

Each address has a bucket of `burst` tokens that refills at `per_minute` a minute; a write takes one. Requests
that carry a token (staff, services) are counted by their own limits, not these. The buckets live in this
process: with several replicas a client gets up to that many times the limit, which is still a bound. At most
`max_addresses` buckets are kept; the oldest are forgotten first (a forgotten address starts with a full bucket).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from deal_shared.errors import TooManyRequests
from deal_shared.web.problems import problem_response
from deal_shared.web.request_context import current_request_id

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class TokenBuckets:
    """Token buckets by key; `take` answers 0 when a token was taken, else the seconds until one is free."""

    def __init__(
        self, *, per_minute: float, burst: int, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        with self._lock:
            now = self.clock()
            tokens, at = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._buckets[key] = (tokens, now)
                wait = (1.0 - tokens) / self.rate
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
            return wait


class AnonymousWriteLimit:
    """Answers 429 (problem details, `Retry-After`) to an anonymous write from an address over its burst limit.

    Anonymous: no Authorization header (a forged one is refused later, as any bad token is). `skip`: path
    prefixes with limits of their own (Open311, whose clients are keyed integrations)."""

    def __init__(self, app: ASGIApp, *, buckets: TokenBuckets | None, skip: tuple[str, ...] = ()) -> None:
        self.app = app
        self.buckets = buckets
        self.skip = skip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.buckets is not None and self._counts(scope):
            client = scope.get("client")
            wait = self.buckets.take(client[0] if client else "")
            if wait > 0:
                refusal = TooManyRequests(
                    "Too many reports and changes from this address in a short time; wait a little and send again.",
                    retry_after_s=max(1, math.ceil(wait)),
                )
                problem = refusal.to_problem(instance=scope["path"], request_id=current_request_id())
                await problem_response(problem, refusal.headers)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _counts(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] not in WRITE_METHODS:
            return False
        if self.skip and scope["path"].startswith(self.skip):
            return False
        return not any(name == b"authorization" for name, _ in scope["headers"])
