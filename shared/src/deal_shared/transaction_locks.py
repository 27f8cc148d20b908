"""A named lock held by one transaction until it ends, across every process of a service: a transaction-scoped
advisory lock on PostgreSQL (so it works through a transaction-mode pooler, and a crashed holder frees it), and an
in-process lock on SQLite, which runs in one process."""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Any

from sqlalchemy import event, text
from sqlmodel import Session

_POLL_S = 0.05

# The names held by open SQLite transactions in this process, per database.
_held_lock = threading.Lock()
_held: dict[tuple[str, str], threading.Event] = {}


def lock_id(name: str) -> int:
    """The 64-bit advisory lock key of `name`."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def _hold_locally(session: Session, name: str, deadline: float) -> bool:
    bind = session.get_bind()
    slot = (str(bind.url), name)
    while True:
        with _held_lock:
            holder = _held.get(slot)
            if holder is None:
                released = threading.Event()
                _held[slot] = released
                break
        if not holder.wait(max(0.0, deadline - time.monotonic())):
            return False

    def release(_session: Session, transaction: Any) -> None:
        if transaction.parent is None and not released.is_set():
            with _held_lock:
                if _held.get(slot) is released:
                    del _held[slot]
            released.set()

    event.listen(session, "after_transaction_end", release)
    return True


def _hold_in_postgres(session: Session, name: str, deadline: float) -> bool:
    statement = text("SELECT pg_try_advisory_xact_lock(:id)")
    while not session.execute(statement, {"id": lock_id(name)}).scalar():
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL_S)
    return True


def hold(session: Session, name: str, *, wait_s: float = 0.0) -> bool:
    """Hold `name` for the rest of `session`'s transaction, waiting up to `wait_s` for another holder to finish.
    False: someone else still holds it."""
    deadline = time.monotonic() + wait_s
    if session.get_bind().dialect.name == "postgresql":
        return _hold_in_postgres(session, name, deadline)
    return _hold_locally(session, name, deadline)
