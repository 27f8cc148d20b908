"""Benchmark the office's triage on PostgreSQL: the queue's first page over 10,000 open reports, and one bulk
acknowledgement of 500 reports (retried once with its Idempotency-Key), against a hello-world endpoint.

    .venv/bin/python tests/bench/bench_triage.py --reports 10000 --requests 300 --bulk 500

Goals: first page p99 <= 300 ms; bulk of 500 <= 5 s, each report changed exactly once. Servers run as separate
uvicorn processes; requests are made one at a time from this process (an officer's browser, not a crowd).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert, text

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from deal_shared.db import make_engine  # noqa: E402
from deal_shared.devtoken import ensure_dev_key, mint_token  # noqa: E402
from report_it.models import Report  # noqa: E402
from tests.bench.bench_intake import HELLO, start  # noqa: E402
from tests.support.postgres import create_database, drop_database, find_server  # noqa: E402
from tests.support.server import free_port  # noqa: E402

CATEGORIES = ["fly_tipping", "litter", "dog_fouling", "graffiti", "overflowing_bin", "pothole"]


def seed(db_url: str, count: int) -> None:
    rng = random.Random(11)
    start_at = datetime.now(UTC) - timedelta(days=20)
    rows = []
    for _ in range(count):
        created = start_at + timedelta(seconds=rng.randrange(20 * 24 * 3600))
        rows.append(
            {
                "id": uuid.uuid4(),
                "reference": f"WG-{uuid.uuid4().hex[:9].upper()}",
                "category_code": rng.choice(CATEGORIES),
                "status": "submitted",
                "priority": rng.choice(["low", "normal", "normal", "high"]),
                "lat": rng.uniform(53.46, 53.60),
                "lon": rng.uniform(-2.70, -2.45),
                "answers": {},
                "channel": "app",
                "reporter_wants_updates": False,
                "tracking_token_hash": b"x",
                "support_count": 0,
                "case_version": 0,
                "created_at": created,
                "updated_at": created,
                "routed_at": created,
                "footprint_code": f"SDF{rng.randint(1, 7)}",
            }
        )
    engine = make_engine(db_url)
    with engine.begin() as connection:
        for i in range(0, len(rows), 5000):
            connection.execute(insert(Report), rows[i : i + 5000])
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE report"))
    engine.dispose()


def timings(client: httpx.Client, url: str, count: int, **kwargs) -> list[float]:
    taken = []
    for _ in range(count):
        began = time.perf_counter()
        response = client.get(url, **kwargs)
        taken.append((time.perf_counter() - began) * 1000)
        response.raise_for_status()
    return taken


def describe(name: str, taken: list[float]) -> float:
    ordered = sorted(taken)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(
        f"{name:38} n={len(taken):4}  p50 {statistics.median(taken):7.1f} ms  p95 "
        f"{ordered[int(len(ordered) * 0.95)]:7.1f} ms  p99 {p99:7.1f} ms"
    )
    return p99


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--bulk", type=int, default=500)
    args = parser.parse_args()
    admin, _cluster = find_server()
    database = f"deal_bench_triage_{uuid.uuid4().hex[:8]}"
    db_url = create_database(admin, database)
    key_path = ROOT / "var" / "bench-key.json"
    ensure_dev_key(key_path)
    env = {
        "REPORT_IT_DATABASE_URL": db_url,
        "REPORT_IT_AUTH__DEV_MODE": "true",
        "REPORT_IT_AUTH__DEV_KEY_PATH": str(key_path),
        "REPORT_IT_LOG_LEVEL": "WARNING",
        "REPORT_IT_FOOTPRINTS_URL": "http://127.0.0.1:9",
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
        "REPORT_IT_ANONYMOUS_WRITES_PER_MINUTE": "0",  # one client sends everything
        "REPORT_IT_CONTACT_REPORTS_PER_DAY": "0",
        "REPORT_IT_REPEAT_HINT_MINUTES": "0",
    }
    processes: list[subprocess.Popen] = []
    try:
        subprocess.run([sys.executable, "-m", "report_it.cli", "setup"], env=env, check=True, cwd=ROOT)
        seed(db_url, args.reports)
        hello_file = ROOT / "var" / "bench_hello.py"
        hello_file.write_text(HELLO)
        p1, p2 = free_port(), free_port()
        uv = [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--log-level", "warning"]
        processes.append(
            start([*uv, "--app-dir", str(hello_file.parent), "bench_hello:app", "--port", str(p1)], env, p1)
        )
        processes.append(start([*uv, "--factory", "report_it.main:create_app", "--port", str(p2)], env, p2))
        token = mint_token(key_path, subject="bench.officer", roles=["staff"])
        headers = {"Authorization": f"Bearer {token}"}
        base = f"http://127.0.0.1:{p2}"
        with httpx.Client(timeout=60, headers=headers) as client:
            timings(client, f"http://127.0.0.1:{p1}/hello", 30)
            timings(client, f"{base}/v1/triage/queue", 20)
            hello = describe("hello-world GET", timings(client, f"http://127.0.0.1:{p1}/hello", args.requests))
            page = describe(
                f"triage queue, first page ({args.reports:,} open)",
                timings(client, f"{base}/v1/triage/queue", args.requests),
            )
            filtered = describe(
                "triage queue, one category, high",
                timings(
                    client, f"{base}/v1/triage/queue", args.requests, params={"category": "litter", "priority": "high"}
                ),
            )
            print(f"first page p99 / hello-world p99 = {page / hello:.1f}; filtered {filtered / hello:.1f}")
            print(f"goal first page p99 <= 300 ms: {'met' if page <= 300 else 'NOT met'} ({page:.1f} ms)")

            items: list[dict] = []
            page_cursor: str | None = None
            while len(items) < args.bulk:
                params = {"limit": 200, **({"cursor": page_cursor} if page_cursor else {})}
                answer = client.get(f"{base}/v1/triage/queue", params=params).json()
                items += answer["items"]
                page_cursor = answer["next_cursor"]
                if not page_cursor:
                    break
            targets = [{"report_id": i["id"], "etag": i["etag"]} for i in items[: args.bulk]]
            body = {"action": {"action": "acknowledge"}, "items": targets}
            key = {"Idempotency-Key": f"bench-{uuid.uuid4()}"}
            began = time.perf_counter()
            first = client.post(f"{base}/v1/triage/bulk", json=body, headers=key).json()
            bulk_s = time.perf_counter() - began
            began = time.perf_counter()
            again = client.post(f"{base}/v1/triage/bulk", json=body, headers=key).json()
            retry_s = time.perf_counter() - began
        engine = make_engine(db_url)
        with engine.connect() as connection:
            updates = connection.execute(
                text("SELECT count(*) FROM report_update WHERE status_to = 'acknowledged'")
            ).scalar_one()
            cases = connection.execute(text("SELECT count(*) FROM outbox_message WHERE kind = 'case'")).scalar_one()
        engine.dispose()
        print(
            f"bulk acknowledge of {len(targets)}: {bulk_s:.2f} s ({first['done']} done, {first['refused']} refused); "
            f"retried with the same key: {retry_s:.2f} s "
            f"({sum(1 for r in again['results'] if r['outcome'] == 'replayed')} replayed)"
        )
        print(f"acknowledgements recorded {updates}, case syncs queued {cases} (each should be {len(targets)})")
        print(f"goal bulk of 500 <= 5 s: {'met' if bulk_s <= 5 else 'NOT met'} ({bulk_s:.2f} s)")
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)
        drop_database(admin, database)


if __name__ == "__main__":
    main()
