"""Benchmark Report IT's hotspot rule and staff statistics on a year of fly-tipping at national scale.

    .venv/bin/python tests/bench/bench_report_it_hotspots.py --reports 100000

Prints how long clustering takes in memory, and how long the statistics take over the same reports in SQLite.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import Session

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from deal_shared.db import make_engine  # noqa: E402
from report_it.categories import seed_categories  # noqa: E402
from report_it.clusters import group_reports  # noqa: E402
from report_it.db import migrate  # noqa: E402
from report_it.models import Report  # noqa: E402
from report_it.stats import compute  # noqa: E402


def synthetic(count: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    start = datetime(2025, 4, 1, tzinfo=UTC)
    hotspots = [(rng.uniform(53.46, 53.60), rng.uniform(-2.70, -2.45)) for _ in range(200)]
    rows = []
    for _ in range(count):
        if rng.random() < 0.3:  # three in ten at known hotspots, the rest scattered
            lat, lon = rng.choice(hotspots)
            lat, lon = lat + rng.gauss(0, 0.0005), lon + rng.gauss(0, 0.0008)
        else:
            lat, lon = rng.uniform(53.46, 53.60), rng.uniform(-2.70, -2.45)
        created = start + timedelta(minutes=rng.randrange(365 * 24 * 60))
        fixed = rng.random() < 0.6
        rows.append(
            {
                "id": uuid.uuid4(),
                "reference": f"WG-{uuid.uuid4().hex[:9].upper()}",
                "category_code": "fly_tipping",
                "status": "fixed" if fixed else "acknowledged",
                "priority": "normal",
                "lat": lat,
                "lon": lon,
                "answers": {},
                "channel": rng.choice(["app", "web", "staff", "phone"]),
                "reporter_wants_updates": False,
                "tracking_token_hash": b"x",
                "support_count": 0,
                "case_version": 0,
                "created_at": created,
                "updated_at": created,
                "expected_at": created + timedelta(hours=72),
                "fixed_at": created + timedelta(hours=rng.expovariate(1 / 60)) if fixed else None,
                "footprint_code": f"SDF{rng.randint(1, 7)}",
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=100_000)
    args = parser.parse_args()
    rows = synthetic(args.reports)
    in_memory = [Report(**{k: v for k, v in r.items() if k != "answers"}) for r in rows]
    open_ones = [r for r in in_memory if r.status != "fixed"]
    began = time.perf_counter()
    groups = group_reports(open_ones, link_m=150, link_days=30)
    took = time.perf_counter() - began
    big = sum(1 for g in groups if len(g) >= 3)
    print(f"clusters: {len(open_ones):,} open reports -> {big:,} clusters of 3+ in {took * 1000:.0f} ms")

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        migrate(url)
        engine = make_engine(url)
        with Session(engine) as session:
            seed_categories(session)
            session.commit()
            for i in range(0, len(rows), 5000):
                session.execute(insert(Report), rows[i : i + 5000])
            session.commit()
            began = time.perf_counter()
            result = compute(session, created_from=None, created_to=None, categories=None)
            took = time.perf_counter() - began
        engine.dispose()
    ttf = result.time_to_fix
    print(
        f"statistics: {result.total:,} reports in {took * 1000:.0f} ms "
        f"(median {ttf.median_hours} h, p90 {ttf.p90_hours} h, within target {ttf.within_target_share}, "
        f"{len(result.repeat_locations):,} repeat locations)"
    )


if __name__ == "__main__":
    main()
