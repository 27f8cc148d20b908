"""Benchmark report creation and the nearby lookup with 1, 2 and 4 Report IT replicas on one PostgreSQL.

    .venv/bin/python tests/bench/bench_scale_out.py --seconds 10 --nearby-reports 100000

Each replica is its own process (as a pod would be); the load is spread evenly over them from separate processes.
Prints, per replica count, throughput and latency, and the ratio to a hello-world endpoint measured in the same
run. On a machine with few cores the replicas share them with the load and PostgreSQL, so what this shows there is
that replicas add no cost of their own (no lock or hot row they fight over), not how far more cores would carry.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.bench_intake import HELLO, load, seed_reports, start, wait_for_nearby_model  # noqa: E402
from tests.support.postgres import create_database, drop_database, find_server  # noqa: E402
from tests.support.server import free_port  # noqa: E402

BODY = json.dumps({"category": "litter", "location": {"lat": 53.545, "long": -2.632}, "description": "bench"})


def spread_load(urls: list[str], seconds: float, threads: int, body: str = "") -> list[float]:
    """Load every URL at once for `seconds`, `threads` in all shared between them; every request's latency."""
    per_url = max(1, threads // len(urls))
    with ThreadPoolExecutor(len(urls)) as pool:
        parts = list(pool.map(lambda url: load(url, seconds, per_url, body), urls))
    return [latency for part in parts for latency in part]


def describe(name: str, latencies: list[float], seconds: float) -> float:
    if len(latencies) < 2:
        raise SystemExit(f"{name}: no successful requests")
    quantiles = statistics.quantiles(latencies, n=100)
    rate = len(latencies) / seconds
    print(f"{name:<34} {rate:8.1f} req/s   p50 {quantiles[49] * 1000:6.2f} ms   p99 {quantiles[98] * 1000:6.2f} ms")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--nearby-reports", type=int, default=100_000)
    parser.add_argument("--warmup", type=float, default=3)
    args = parser.parse_args()
    admin, cluster = find_server()
    database = f"deal_bench_scale_{uuid.uuid4().hex[:8]}"
    db_url = create_database(admin, database)
    key = ROOT / "var" / "bench-key.json"
    env = {
        "REPORT_IT_DATABASE_URL": db_url,
        "REPORT_IT_AUTH__DEV_MODE": "true",
        "REPORT_IT_AUTH__DEV_KEY_PATH": str(key),
        "REPORT_IT_LOG_LEVEL": "WARNING",
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
        "REPORT_IT_ANONYMOUS_WRITES_PER_MINUTE": "0",  # one client sends everything
        "REPORT_IT_CONTACT_REPORTS_PER_DAY": "0",
        "REPORT_IT_REPEAT_HINT_MINUTES": "0",
    }
    try:
        from deal_shared.devtoken import ensure_dev_key

        ensure_dev_key(key)
        subprocess.run([sys.executable, "-m", "report_it.cli", "setup"], env=env, check=True, cwd=ROOT)
        if args.nearby_reports:
            seed_reports(db_url, args.nearby_reports)
        hello_file = ROOT / "var" / "bench_hello.py"
        hello_file.write_text(HELLO)
        uv = [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--log-level", "warning"]
        hello_port = free_port()
        hello = start(
            [*uv, "--app-dir", str(hello_file.parent), "bench_hello:app", "--port", str(hello_port)], env, hello_port
        )
        hello_url = f"http://127.0.0.1:{hello_port}/hello"
        try:
            for count in args.replicas:
                ports = [free_port() for _ in range(count)]
                replicas = [
                    start([*uv, "--factory", "report_it.main:create_app", "--port", str(port)], env, port)
                    for port in ports
                ]
                try:
                    for port in ports:
                        wait_for_nearby_model(f"http://127.0.0.1:{port}")
                    bases = [f"http://127.0.0.1:{port}" for port in ports]
                    print(f"-- {count} replica{'s' if count > 1 else ''}")
                    spread_load([f"{b}/v1/reports" for b in bases], args.warmup, args.threads, BODY)
                    baseline = describe("hello-world GET", load(hello_url, args.seconds, args.threads), args.seconds)
                    created = describe(
                        "create report POST",
                        spread_load([f"{b}/v1/reports" for b in bases], args.seconds, args.threads, BODY),
                        args.seconds,
                    )
                    nearby_urls = [
                        f"{b}/v1/reports/nearby?category=fly_tipping&lat={{lat}}&long={{long}}" for b in bases
                    ]
                    spread_load(nearby_urls, args.warmup, args.threads)
                    nearby = describe("nearby GET", spread_load(nearby_urls, args.seconds, args.threads), args.seconds)
                    print(
                        f"creation / hello-world = {created / baseline:.2f}; "
                        f"nearby / hello-world = {nearby / baseline:.2f}"
                    )
                finally:
                    for replica in replicas:
                        replica.terminate()
                        replica.wait(timeout=30)
        finally:
            hello.terminate()
    finally:
        drop_database(admin, database)
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
