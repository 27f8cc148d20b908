"""How soon each service is ready after a restart on PostgreSQL: the process is started on an already migrated
database, and the time until its /readyz first answers 200 is measured, over several restarts.

    .venv/bin/python tests/bench/bench_readiness.py --restarts 5

Prints p50 and the worst time per service and whether the worst is within 5 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from deal_shared.devtoken import ensure_dev_key  # noqa: E402
from tests.support.postgres import create_database, drop_database, find_server  # noqa: E402
from tests.support.server import free_port  # noqa: E402

SERVICES = {"report_it": "report-it", "footprints": "footprints", "volunteering": "volunteering"}
GOAL_S = 5.0


def _env(prefix: str, url: str, key: Path, photos: Path) -> dict[str, str]:
    return {
        **os.environ,
        f"{prefix}_DATABASE_URL": url,
        f"{prefix}_ENVIRONMENT": "test",
        f"{prefix}_AUTH__DEV_MODE": "true",
        f"{prefix}_AUTH__DEV_KEY_PATH": str(key),
        "REPORT_IT_PHOTO_DIR": str(photos),
    }


def time_to_ready(command: list[str], env: dict[str, str], port: int, timeout_s: float = 60.0) -> float:
    started = time.monotonic()
    process = subprocess.Popen(
        [*command, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() - started > timeout_s:
                raise RuntimeError(f"{command[0]} did not become ready")
            time.sleep(0.02)
    finally:
        process.terminate()
        process.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--restarts", type=int, default=5)
    args = parser.parse_args()
    admin, cluster = find_server()
    bin_dir = Path(sys.executable).parent
    worst_overall = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        key = Path(tmp) / "dev-key.json"
        ensure_dev_key(key)
        try:
            for module, command in SERVICES.items():
                name = f"bench_ready_{module}"
                env = _env(module.upper(), create_database(admin, name), key, Path(tmp) / "photos")
                subprocess.run([str(bin_dir / command), "migrate"], env=env, check=True, capture_output=True)
                times = [time_to_ready([str(bin_dir / command)], env, free_port()) for _ in range(args.restarts)]
                worst = max(times)
                worst_overall = max(worst_overall, worst)
                print(f"{command:13s} ready after restart: p50 {statistics.median(times):.2f} s, worst {worst:.2f} s")
                drop_database(admin, name)
        finally:
            if cluster is not None:
                cluster.stop()
    verdict = "met" if worst_overall <= GOAL_S else "NOT met"
    print(f"goal: every service ready within {GOAL_S:.0f} s of a restart: {verdict}")


if __name__ == "__main__":
    main()
