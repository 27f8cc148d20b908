"""The services as processes that can be killed (SIGKILL) and started again, on a throwaway PostgreSQL cluster."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from deal_shared.devtoken import ensure_dev_key, mint_token
from footprints.db import migrate as migrate_footprints
from footprints.demo import load_demo_people
from footprints.places.store import load_illustrative
from report_it.categories import seed_categories
from report_it.db import migrate as migrate_report_it
from tests.support.databases import seeded
from tests.support.postgres import ThrowawayCluster, create_database
from tests.support.server import free_port
from volunteering.db import migrate as migrate_volunteering

# What the test suite's conftest switches off: one client address and no contact send every report here.
NO_ABUSE_LIMITS = {
    "REPORT_IT_ANONYMOUS_WRITES_PER_MINUTE": "0",
    "REPORT_IT_CONTACT_REPORTS_PER_DAY": "0",
    "REPORT_IT_REPEAT_HINT_MINUTES": "0",
}


class ServiceProcess:
    """One `python -m <cli> <command>` process, its output kept in a log file across restarts."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_path: Path, port: int | None) -> None:
        self.name, self.argv, self.env, self.log_path, self.port = name, argv, env, log_path, port
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.starts} ---\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [sys.executable, *self.argv], env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    def ready(self) -> bool:
        if self.process is None or self.process.poll() is not None:
            return False
        if self.port is None:
            return True  # the worker serves nothing: running is all it can show
        try:
            return httpx.get(f"{self.base_url}/readyz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_ready(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while not self.ready():
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} not ready after {timeout_s:.0f} s; see {self.log_path}")
            time.sleep(0.05)

    def kill(self) -> None:
        """As a crash would: no signal handler runs, nothing is flushed or closed."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()


@dataclass
class Stack:
    cluster: ThrowawayCluster
    urls: dict[str, str]  # database URL per service
    processes: dict[str, ServiceProcess]
    key_path: Path
    run_dir: Path
    tokens: dict[str, str] = field(default_factory=dict)

    def base(self, name: str) -> str:
        return self.processes[name].base_url

    def token(self, subject: str, *roles: str) -> str:
        if subject not in self.tokens:
            self.tokens[subject] = mint_token(self.key_path, subject=subject, roles=list(roles))
        return self.tokens[subject]

    def servers(self) -> list[ServiceProcess]:
        return [p for p in self.processes.values() if p.port is not None]


def _environments(urls: dict[str, str], ports: dict[str, int], key: Path, run_dir: Path) -> dict[str, dict[str, str]]:
    def service(prefix: str) -> dict[str, str]:
        return {
            **os.environ,
            f"{prefix}_ENVIRONMENT": "test",
            f"{prefix}_AUTH__DEV_MODE": "true",
            f"{prefix}_AUTH__DEV_KEY_PATH": str(key),
            f"{prefix}_LOG_LEVEL": "WARNING",
        }

    report_it = {
        **service("REPORT_IT"),
        **NO_ABUSE_LIMITS,
        "REPORT_IT_DATABASE_URL": urls["report_it"],
        "REPORT_IT_FOOTPRINTS_URL": f"http://127.0.0.1:{ports['footprints']}",
        "REPORT_IT_PHOTO_DIR": str(run_dir / "photos"),
        # Delivery runs in the worker alone, so that killing it is a fault of its own.
        "REPORT_IT_RUN_DELIVERER": "false",
        "REPORT_IT_DELIVERY_POLL_SECONDS": "0.2",
        # A killed worker's batch is taken over after this; the default minute would only lengthen the run.
        "REPORT_IT_DELIVERY_LEASE_SECONDS": "10",
    }
    footprints = {
        **service("FOOTPRINTS"),
        "FOOTPRINTS_DATABASE_URL": urls["footprints"],
        "FOOTPRINTS_REPORT_IT_URL": f"http://127.0.0.1:{ports['report_it']}",
        "FOOTPRINTS_OUTBOX_POLL_S": "0.2",
    }
    volunteering = {
        **service("VOLUNTEERING"),
        "VOLUNTEERING_DATABASE_URL": urls["volunteering"],
        "VOLUNTEERING_FOOTPRINTS_URL": f"http://127.0.0.1:{ports['footprints']}",
        "VOLUNTEERING_REPORT_IT_URL": f"http://127.0.0.1:{ports['report_it']}",
    }
    return {"report_it": report_it, "footprints": footprints, "volunteering": volunteering}


@contextmanager
def running_stack(run_dir: Path) -> Iterator[Stack]:
    """A cluster of its own (it is crashed on purpose), three migrated and seeded databases, every process ready."""
    with ExitStack() as cleanup:
        cluster = ThrowawayCluster()
        cleanup.callback(cluster.stop)
        suffix = uuid.uuid4().hex[:8]
        urls = {
            name: create_database(cluster.url, f"chaos_{name}_{suffix}")
            for name in ("report_it", "footprints", "volunteering")
        }
        seeded(urls["report_it"], migrate_report_it, seed_categories)
        seeded(urls["footprints"], migrate_footprints, load_illustrative, load_demo_people)
        migrate_volunteering(urls["volunteering"])
        key = run_dir / "dev-signing-key.json"
        ensure_dev_key(key)
        ports = {name: free_port() for name in ("report_it", "footprints", "volunteering")}
        env = _environments(urls, ports, key, run_dir)
        processes = {
            "report_it": ServiceProcess(
                "report-it",
                ["-m", "report_it.cli", "serve", "--port", str(ports["report_it"])],
                env["report_it"],
                run_dir / "report-it.log",
                ports["report_it"],
            ),
            "worker": ServiceProcess(
                "report-it worker", ["-m", "report_it.cli", "worker"], env["report_it"], run_dir / "worker.log", None
            ),
            "footprints": ServiceProcess(
                "footprints",
                ["-m", "footprints.cli", "serve", "--port", str(ports["footprints"])],
                env["footprints"],
                run_dir / "footprints.log",
                ports["footprints"],
            ),
            "volunteering": ServiceProcess(
                "volunteering",
                ["-m", "volunteering.cli", "serve", "--port", str(ports["volunteering"])],
                env["volunteering"],
                run_dir / "volunteering.log",
                ports["volunteering"],
            ),
        }
        for process in processes.values():
            cleanup.callback(process.stop)
            process.start()
        for process in processes.values():
            process.wait_ready()
        yield Stack(cluster=cluster, urls=urls, processes=processes, key_path=key, run_dir=run_dir)
