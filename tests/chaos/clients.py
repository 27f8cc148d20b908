"""Clients that retry as the field app and the services' own clients do: the same Idempotency-Key on every attempt,
a short timeout, Retry-After honoured, jittered backoff otherwise; and a log of every attempt, which the checks read.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx

TIMEOUT = httpx.Timeout(5.0, connect=2.0)


@dataclass(frozen=True)
class Attempt:
    at: float  # time.monotonic() when it was sent
    service: str
    method: str
    path: str
    status: int | None  # None: no answer (refused, reset, timed out)
    error: str | None
    retry_after: str | None
    problem_code: str | None


class CallLog:
    """Every attempt every client made, in the order they were made (shared by all client threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.attempts: list[Attempt] = []
        self.gave_up: list[str] = []
        # Set when the run is stopped from outside: every client gives up at its next attempt.
        self.stopped = threading.Event()

    def add(self, attempt: Attempt) -> None:
        with self._lock:
            self.attempts.append(attempt)

    def give_up(self, what: str) -> None:
        with self._lock:
            self.gave_up.append(what)


class GaveUp(Exception):
    pass


def is_retryable(response: httpx.Response) -> bool:
    # 5xx of every kind is retried so that the run completes; the checks count any that was not a proper 503.
    return response.status_code >= 500 or response.status_code == 429


class RetryingClient:
    """One client's connection to one service, e.g. a resident's phone talking to Report IT."""

    def __init__(
        self, service: str, base_url: str, log: CallLog, *, token: str | None = None, give_up_s: float = 240.0
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.service, self.log, self.give_up_s = service, log, give_up_s
        self.http = httpx.Client(base_url=base_url, headers=headers, timeout=TIMEOUT)
        self.rng = random.Random()

    def close(self) -> None:
        self.http.close()

    def send(self, method: str, path: str, *, json: Any = None, key: str | None = None) -> httpx.Response:
        """Send until answered with anything but a retryable status; raises GaveUp after `give_up_s`."""
        headers = {"Idempotency-Key": key} if key else {}
        deadline = time.monotonic() + self.give_up_s
        wait_s = 0.1
        while True:
            if self.log.stopped.is_set():
                raise GaveUp("the run was stopped")
            at = time.monotonic()
            try:
                response = self.http.request(method, path, json=json, headers=headers)
            except httpx.TransportError as exc:
                self.log.add(Attempt(at, self.service, method, path, None, type(exc).__name__, None, None))
                response = None
            else:
                self.log.add(
                    Attempt(
                        at,
                        self.service,
                        method,
                        path,
                        response.status_code,
                        None,
                        response.headers.get("retry-after"),
                        _problem_code(response),
                    )
                )
                if not is_retryable(response):
                    return response
            if time.monotonic() > deadline or self.log.stopped.is_set():
                self.log.give_up(f"{method} {self.service}{path}")
                raise GaveUp(f"{method} {path}: no answer in {self.give_up_s:.0f} s")
            pause = wait_s
            if response is not None and (retry_after := response.headers.get("retry-after", "")).isdigit():
                pause = min(float(retry_after), 2.0)
            time.sleep(pause * self.rng.uniform(0.5, 1.0))
            wait_s = min(wait_s * 2, 2.0)


def _problem_code(response: httpx.Response) -> str | None:
    if response.status_code < 400 or "json" not in response.headers.get("content-type", ""):
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None
