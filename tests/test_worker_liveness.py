"""The workers' liveness: `report-it worker` and `footprints worker` touch a heartbeat after every delivery pass,
and `<service> worker-alive` (the liveness probe) fails once a pass has not ended for longer than allowed. A
worker whose database is away is still alive (restarting it would not help); one that is stuck is not."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from services.report_it.tests.test_feed_and_cases import wait_until

SERVICES = {
    "report_it": ("report_it.cli", "REPORT_IT_"),
    "footprints": ("footprints.cli", "FOOTPRINTS_"),
}


def alive(cli: str, env: dict[str, str], max_age_s: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", cli, "worker-alive", "--max-age", str(max_age_s)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("service", SERVICES)
def test_a_stuck_worker_fails_its_probe_and_one_without_its_database_does_not(
    service: str, tmp_path: Path, dev_key: Path
) -> None:
    cli, prefix = SERVICES[service]
    heartbeat = tmp_path / "heartbeat"
    env = {
        **os.environ,
        f"{prefix}ENVIRONMENT": "test",
        f"{prefix}AUTH__DEV_MODE": "true",
        f"{prefix}AUTH__DEV_KEY_PATH": str(dev_key),
        # No database answers here: every pass fails, and the worker must still count as alive.
        f"{prefix}DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nothing",
        f"{prefix}WORKER_HEARTBEAT_PATH": str(heartbeat),
        "REPORT_IT_DELIVERY_POLL_SECONDS": "0.2",
        "FOOTPRINTS_OUTBOX_POLL_S": "0.2",
    }
    before = alive(cli, env, 5)
    assert before.returncode == 1 and "no heartbeat" in before.stderr
    worker = subprocess.Popen(
        [sys.executable, "-m", cli, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_until(heartbeat.exists, timeout=30)
        time.sleep(1.0)
        assert alive(cli, env, 3).returncode == 0
        worker.send_signal(signal.SIGSTOP)  # as a pass that never ends
        time.sleep(3.5)
        stuck = alive(cli, env, 3)
        assert stuck.returncode == 1 and "last heartbeat" in stuck.stderr, stuck.stderr
        worker.send_signal(signal.SIGCONT)
        wait_until(lambda: alive(cli, env, 3).returncode == 0, timeout=20)
    finally:
        worker.send_signal(signal.SIGCONT)
        worker.terminate()
        worker.wait(timeout=30)
