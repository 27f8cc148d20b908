"""Run a service as its own process (as in production: services never import each other) for a test."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx


@contextmanager
def service_process(cli_module: str, env: dict[str, str], port: int, *, timeout_s: float = 60) -> Iterator[str]:
    """`python -m <cli_module> serve --port <port>`, yielded once its /readyz answers 200, stopped afterwards."""
    process = subprocess.Popen(
        [sys.executable, "-m", cli_module, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"{cli_module} did not start")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)
