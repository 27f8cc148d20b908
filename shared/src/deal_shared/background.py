"""Work a service repeats in the background: a pass, a rest, another pass, until stopped; a failed pass is logged
and the next one tries again."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable


def repeat_until_stopped(
    stop: threading.Event,
    run_once: Callable[[], int],
    *,
    rest_s: float,
    log: logging.Logger,
    failure: str,
    rest_after_work: bool = True,
    after_pass: Callable[[], None] | None = None,
) -> None:
    """Run `run_once` (which says how much it did) until `stop` is set, resting `rest_s` between passes. With
    `rest_after_work=False` only an idle pass is followed by a rest, so that a backlog drains at once.
    `after_pass` is called after every pass, failed or not (a worker's heartbeat)."""
    while not stop.is_set():
        try:
            done = run_once()
        except Exception:  # the loop must outlive a failed pass (e.g. the database restarting)
            log.exception(failure)
            done = 0
        if after_pass is not None:
            after_pass()
        if rest_after_work or not done:
            stop.wait(rest_s)


class DaemonLoop:
    """`target(stop)` on a daemon thread, for a serving process: `stop()` sets the event and waits for the thread."""

    def __init__(
        self, target: Callable[[threading.Event], None], *, name: str | None = None, join_s: float = 10.0
    ) -> None:
        self._stop = threading.Event()
        self._join_s = join_s
        self._thread = threading.Thread(target=target, args=(self._stop,), name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self._join_s)
