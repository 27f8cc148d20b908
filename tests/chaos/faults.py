"""The faults, injected one at a time on a schedule, and what was seen around each: when it struck, when everything
answered again, and the outboxes' backlog sampled throughout."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine

from deal_shared.db import make_engine
from tests.chaos.harness import Stack
from tests.chaos.outboxes import TABLES, count

POSTGRES = "restart postgresql"


@dataclass
class FaultRecord:
    name: str
    started: float  # time.monotonic()
    recovered: float | None = None  # every affected process ready again


def kill_name(process: str) -> str:
    return f"kill -9 {process}"


class Backlog:
    """Samples the outboxes' pending messages (both services together) every `every_s` in a thread of its own."""

    def __init__(self, stack: Stack, every_s: float = 0.25) -> None:
        self.engines: dict[str, Engine] = {name: make_engine(stack.urls[name]) for name in TABLES}
        self.samples: list[tuple[float, int]] = []
        self._every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def pending(self) -> int:
        return sum(count(engine, TABLES[name]).pending for name, engine in self.engines.items())

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.samples.append((time.monotonic(), self.pending()))
            except Exception:  # the database is away: that moment has no sample
                pass
            self._stop.wait(self._every_s)

    def __enter__(self) -> Backlog:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        for engine in self.engines.values():
            engine.dispose()


@dataclass
class Chaos:
    """Injects the faults; each waits for recovery before the next is allowed."""

    stack: Stack
    records: list[FaultRecord] = field(default_factory=list)
    postgres_down_s: float = 1.0

    def kill(self, name: str) -> None:
        process = self.stack.processes[name]
        record = FaultRecord(kill_name(name), time.monotonic())
        self.records.append(record)
        process.kill()
        process.start()
        process.wait_ready()
        record.recovered = time.monotonic()

    def restart_postgres(self) -> None:
        record = FaultRecord(POSTGRES, time.monotonic())
        self.records.append(record)
        self.stack.cluster.crash()
        time.sleep(self.postgres_down_s)
        self.stack.cluster.start()
        for process in self.stack.servers():
            process.wait_ready(timeout_s=120)
        record.recovered = time.monotonic()


def run_schedule(
    steps: list[Callable[[], None]], *, gap_s: float, stop: threading.Event, min_steps: int
) -> threading.Thread:
    """Run `steps` round and round, `gap_s` apart, until `stop` is set and at least `min_steps` have run."""

    def loop() -> None:
        done = 0
        while True:
            next_at = time.monotonic() + gap_s
            while time.monotonic() < next_at:
                if stop.is_set() and done >= min_steps:
                    return
                time.sleep(0.1)
            steps[done % len(steps)]()
            done += 1

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return thread
