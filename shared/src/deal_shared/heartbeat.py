"""A worker's sign of life for its liveness probe: the delivery loop touches a file after every pass, whatever the
pass's outcome, and `<service> worker-alive` fails once the file is older than allowed.

A pass that fails (the database away) still counts as alive: restarting would not bring the database back. A pass
that never ends (a call stuck past every timeout, a deadlock) stops the beats, and the kubelet restarts the pod."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_MAX_AGE_S = 180.0


class Heartbeat:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._warned = False

    def beat(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.touch()
            os.utime(self.path)
        except OSError:
            if not self._warned:  # once: a read-only place must not flood the log every pass
                log.warning("cannot write the worker heartbeat", extra={"path": str(self.path)}, exc_info=True)
                self._warned = True


def stale_reason(path: Path, *, max_age_s: float = DEFAULT_MAX_AGE_S) -> str | None:
    """Why the worker at `path` looks dead, or None if it beat within `max_age_s`."""
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return f"no heartbeat at {path} yet"
    if age > max_age_s:
        return f"last heartbeat {age:.0f} s ago (allowed {max_age_s:.0f} s)"
    return None
