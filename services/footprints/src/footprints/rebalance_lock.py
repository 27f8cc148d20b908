"""One rebalance at a time across every Footprints process: two replicas solving from the same open cases at once
would each move cases as if the other had not, and the later would undo the earlier on stale figures. A borough
run covers every footprint, so there is one lock for all runs."""

from __future__ import annotations

from sqlmodel import Session

from deal_shared import transaction_locks
from footprints.errors import RebalanceInProgress

LOCK = "footprints:rebalance"


def hold_rebalance(session: Session, *, wait_s: float = 0.0) -> None:
    """Hold the rebalance lock until `session`'s transaction ends, or refuse with 409 if another run holds it."""
    if not transaction_locks.hold(session, LOCK, wait_s=wait_s):
        raise RebalanceInProgress("Another rebalance is running; try again when it has finished.")
