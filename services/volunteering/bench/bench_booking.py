# ruff: noqa: T201 - a benchmark reports on stdout
"""Benchmark booking under contention on PostgreSQL: many staff booking one opportunity's places at once.

    .venv/bin/python services/volunteering/bench/bench_booking.py --staff 400 --places 100 --threads 20

Prints throughput, latency percentiles and the ledger's exactness check (places held == places offered).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from deal_shared.auth import AuthSettings  # noqa: E402
from deal_shared.devtoken import ensure_dev_key, mint_token  # noqa: E402
from tests.support.postgres import create_database, drop_database, find_server  # noqa: E402
from tests.support.server import free_port, serve  # noqa: E402
from volunteering.config import Settings  # noqa: E402
from volunteering.db import migrate  # noqa: E402
from volunteering.main import create_app  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--staff", type=int, default=400)
    parser.add_argument("--places", type=int, default=100)
    parser.add_argument("--threads", type=int, default=20)
    args = parser.parse_args()

    admin_url, cluster = find_server()
    name = f"deal_bench_volunteering_{uuid.uuid4().hex[:8]}"
    url = create_database(admin_url, name)
    key = Path(f"/tmp/{name}-key.json")
    ensure_dev_key(key)
    try:
        migrate(url)
        settings = Settings(
            database_url=url,
            environment="test",
            auth=AuthSettings(dev_mode=True, dev_key_path=key),
            footprints_url=f"http://127.0.0.1:{free_port()}",
            run_background=False,
        )
        with serve(create_app(settings)) as base:
            run(base, key, args)
    finally:
        drop_database(admin_url, name)
        key.unlink(missing_ok=True)
        if cluster is not None:
            cluster.stop()


def run(base: str, key: Path, args: argparse.Namespace) -> None:
    def client(sub: str, *roles: str) -> httpx.Client:
        token = mint_token(key, subject=sub, roles=list(roles or ("staff",)))
        return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60)

    with client("bench.admin", "admin") as admin:
        for i in range(args.staff):
            body = {
                "name": f"Staff {i}",
                "directorate": "Place",
                "team": f"Team {i % 10}",
                "contracted_weekly_hours": 37,
            }
            admin.put(f"/v1/staff/staff.{i}", json=body).raise_for_status()
        organisation = admin.post(
            "/v1/organisations", json={"name": "Bench Larder", "location": {"lat": 53.5455, "long": -2.632}}
        ).json()
        opportunity = admin.post(
            "/v1/opportunities",
            json={
                "organisation_id": organisation["id"],
                "title": "Bench day",
                "starts_at": "2031-06-10T09:00:00+01:00",
                "ends_at": "2031-06-10T17:00:00+01:00",
                "places": args.places,
            },
        ).json()

    clients = [client(f"staff.{i}") for i in range(args.staff)]
    barrier = threading.Barrier(args.threads)
    latencies: list[float] = []
    statuses: list[str] = []
    lock = threading.Lock()

    def book(i: int) -> None:
        if i < args.threads:
            barrier.wait()
        started = time.perf_counter()
        response = clients[i].post("/v1/bookings", json={"opportunity_id": opportunity["id"]})
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)
            statuses.append(response.json().get("status", str(response.status_code)))

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        list(pool.map(book, range(args.staff)))
    wall = time.perf_counter() - started
    for c in clients:
        c.close()
    with client("staff.0") as reader:
        left = reader.get(f"/v1/opportunities/{opportunity['id']}").json()

    ordered = sorted(latencies)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    print(f"bookings: {args.staff} by {args.threads} threads for {args.places} places on PostgreSQL")
    print(f"throughput: {args.staff / wall:.0f} bookings/s (wall {wall:.2f} s)")
    p50, worst = statistics.median(ordered), ordered[-1]
    print(f"latency: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {worst * 1000:.0f} ms")
    print(f"outcome: {statuses.count('requested')} booked, {statuses.count('waitlisted')} waitlisted")
    print(f"ledger: places_left={left['places_left']} waitlist_count={left['waitlist_count']}")
    exact = statuses.count("requested") == args.places and left["places_left"] == 0
    print("exact: " + ("yes" if exact else "NO"))


if __name__ == "__main__":
    main()
