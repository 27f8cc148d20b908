"""Find a PostgreSQL server for the test run: the environment's, the local one, or a throwaway cluster."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

ENV_VAR = "DEAL_TEST_POSTGRES_URL"
LOCAL_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowawayCluster:
    def __init__(self) -> None:
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not binaries:
            raise RuntimeError(
                "no PostgreSQL: set DEAL_TEST_POSTGRES_URL, run one on 127.0.0.1:5432, or install Debian's postgresql"
            )
        self.bin = Path(binaries[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="deal-pg-"))
        self.port = _free_port()
        run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if run_as:
            shutil.chown(self.dir, "postgres")
        self.run_as = run_as
        subprocess.run(
            [*run_as, self.bin / "initdb", "-D", self.dir / "data", "-U", "postgres", "-A", "trust"],
            check=True,
            capture_output=True,
        )
        self.start()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        """Start (or start again, after `crash`) the server, on the same port and data."""
        subprocess.run(
            [
                *self.run_as,
                self.bin / "pg_ctl",
                "-D",
                self.dir / "data",
                "-w",
                "-l",
                self.dir / "log",
                "-o",
                f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1",
                "start",
            ],
            check=True,
            capture_output=True,
        )

    def crash(self) -> None:
        """Stop the server as a crash would: every backend is killed at once, nothing is shut down cleanly (the next
        start recovers from the write-ahead log)."""
        subprocess.run(
            [*self.run_as, self.bin / "pg_ctl", "-D", self.dir / "data", "-m", "immediate", "stop"],
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        subprocess.run(
            [*self.run_as, self.bin / "pg_ctl", "-D", self.dir / "data", "-m", "fast", "stop"],
            capture_output=True,
        )
        shutil.rmtree(self.dir, ignore_errors=True)


def find_server() -> tuple[str, ThrowawayCluster | None]:
    if os.environ.get(ENV_VAR):
        return os.environ[ENV_VAR], None
    if _answers(LOCAL_URL):
        return LOCAL_URL, None
    cluster = ThrowawayCluster()
    return cluster.url, cluster


def create_database(admin_url: str, name: str) -> str:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = admin_url.rpartition("/")
    return f"{base}/{name}"


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
