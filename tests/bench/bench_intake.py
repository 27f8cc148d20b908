"""Benchmark report creation against a hello-world FastAPI endpoint, and the nearby lookup, on PostgreSQL.

    .venv/bin/python tests/bench/bench_intake.py --seconds 10 --nearby-reports 1000000

Prints throughput ratios and latency percentiles measured in one run. Load comes from a separate process.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.postgres import create_database, drop_database, find_server  # noqa: E402
from tests.support.server import free_port  # noqa: E402

LOADER = r"""
import json, random, sys, time, threading, uuid, httpx
url, seconds, threads, body, keyed = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5] == "1"
lat = []
stop = time.monotonic() + seconds
def target(rng):
    # "{lat}"/"{long}" in the URL become random points in the borough, so lookups do not repeat one query.
    return url.format(lat=rng.uniform(53.47, 53.59), long=rng.uniform(-2.70, -2.45)) if "{lat}" in url else url
def work():
    rng = random.Random()
    with httpx.Client(timeout=30) as c:
        while time.monotonic() < stop:
            u = target(rng)
            t = time.perf_counter()
            headers = {"Content-Type": "application/json"}
            if keyed:  # as the field app sends every report: a fresh key per report
                headers["Idempotency-Key"] = str(uuid.uuid4())
            r = c.post(u, content=body, headers=headers) if body else c.get(u)
            assert r.status_code < 300, r.text
            lat.append(time.perf_counter() - t)
ts = [threading.Thread(target=work) for _ in range(threads)]
[t.start() for t in ts]; [t.join() for t in ts]
print(json.dumps(lat))
"""

HELLO = (
    "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/hello')\ndef hello():\n    return {'hello': 'world'}\n"
)


def start(cmd: list[str], env: dict, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    for _ in range(200):
        try:
            httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{cmd} did not start")


def wait_for_nearby_model(base: str, timeout_s: float = 600) -> float:
    """Seconds until Report IT answers the nearby lookup from memory, every open report rendered ahead."""
    started = time.monotonic()
    while "nearby_model_warm 1.0" not in httpx.get(f"{base}/metrics", timeout=10).text:
        if time.monotonic() - started > timeout_s:
            raise RuntimeError("the nearby model did not load")
        time.sleep(0.5)
    return time.monotonic() - started


def rss_mb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0]) // 1024


def load(url: str, seconds: float, threads: int, body: str = "", *, keyed: bool = False) -> list[float]:
    out = subprocess.run(
        [sys.executable, "-c", LOADER, url, str(seconds), str(threads), body, "1" if keyed else "0"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    name: str, server_pid: int, url: str, args: argparse.Namespace, body: str = "", *, keyed: bool = False
) -> float:
    """Load `url` for the measured seconds; print and return its rate, with the server's CPU time per request."""
    started = cpu_seconds(server_pid)
    latencies = load(url, args.seconds, args.threads, body, keyed=keyed)
    used = cpu_seconds(server_pid) - started
    return summary(name, latencies, args.seconds, cpu_ms=used * 1000 / max(len(latencies), 1))


def summary(name: str, lat: list[float], seconds: float, *, cpu_ms: float) -> float:
    if len(lat) < 2:
        raise SystemExit(f"{name}: the server answered no successful requests")
    qs = statistics.quantiles(lat, n=100)
    rate = len(lat) / seconds
    print(
        f"{name:<22} {rate:8.1f} req/s   p50 {qs[49] * 1000:6.2f} ms   p99 {qs[98] * 1000:6.2f} ms"
        f"   server CPU {cpu_ms:4.2f} ms/request"
    )
    return rate


def seed_reports(db_url: str, count: int) -> None:
    rng = random.Random(7)
    with psycopg.connect(db_url.replace("+psycopg", "")) as conn, conn.cursor() as cur:
        codes = [r[0] for r in cur.execute("SELECT code FROM category").fetchall()]
        with cur.copy(
            "COPY report (id, reference, category_code, status, priority, lat, lon, answers, channel,"
            " reporter_wants_updates, tracking_token_hash, created_at, updated_at) FROM STDIN"
        ) as copy:
            for i in range(count):
                copy.write_row(
                    (
                        uuid.uuid4(),
                        f"B-{i}",
                        rng.choice(codes),
                        rng.choice(["submitted", "fixed", "in_progress"]),
                        "normal",
                        rng.uniform(53.46, 53.60),
                        rng.uniform(-2.72, -2.42),
                        "{}",
                        "app",
                        False,
                        b"x",
                        "2026-01-01T00:00:00Z",
                        "2026-01-01T00:00:00Z",
                    )
                )
    # The table as a server that has been running holds it: hint bits set, statistics read, the seed's writes on
    # disk. Left to a checkpoint during the measurements, they stalled creation for hundreds of milliseconds.
    with psycopg.connect(db_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE report")
        try:
            conn.execute("CHECKPOINT")
        except psycopg.errors.InsufficientPrivilege:
            print("(no CHECKPOINT: the bench's database user may not; a checkpoint may fall in the measurements)")


def bench_nearby_in_process(db_url: str, count: int) -> None:
    from sqlmodel import Session

    from deal_shared.db import make_engine
    from report_it.models import Category
    from report_it.reports import nearby_open_reports

    rng = random.Random(11)
    engine = make_engine(db_url)
    timings = []
    with Session(engine) as session, engine.connect() as connection:
        category = session.get(Category, "fly_tipping")
        for _ in range(2000):
            lat, lon = rng.uniform(53.47, 53.59), rng.uniform(-2.70, -2.45)
            t = time.perf_counter()
            nearby_open_reports(connection, category=category, lat=lat, lon=lon, radius_m=250)
            timings.append(time.perf_counter() - t)
    qs = statistics.quantiles(timings, n=100)
    print(f"nearby in-process over {count:,} reports: p50 {qs[49] * 1000:.2f} ms  p99 {qs[98] * 1000:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--nearby-reports", type=int, default=1_000_000)
    parser.add_argument("--warmup", type=float, default=4, help="seconds of load before each endpoint is measured")
    parser.add_argument("--rounds", type=int, default=2, help="times each endpoint is measured, in turn")
    parser.add_argument(
        "--rendered-max",
        type=int,
        default=1_000_000,
        help="REPORT_IT_NEARBY_RENDERED_MAX: open reports the nearby model renders ahead (the service's default is"
        " 50,000; the seeded table holds about 670,000 open reports)",
    )
    args = parser.parse_args()
    admin, cluster = find_server()
    database = f"deal_bench_{uuid.uuid4().hex[:8]}"
    db_url = create_database(admin, database)
    try:
        env = {
            "REPORT_IT_DATABASE_URL": db_url,
            "REPORT_IT_AUTH__DEV_MODE": "true",
            "REPORT_IT_AUTH__DEV_KEY_PATH": str(ROOT / "var" / "bench-key.json"),
            "REPORT_IT_LOG_LEVEL": "WARNING",
            "REPORT_IT_NEARBY_RENDERED_MAX": str(args.rendered_max),
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
            "REPORT_IT_ANONYMOUS_WRITES_PER_MINUTE": "0",  # one client sends everything
            "REPORT_IT_CONTACT_REPORTS_PER_DAY": "0",
            "REPORT_IT_REPEAT_HINT_MINUTES": "0",
        }
        from deal_shared.devtoken import ensure_dev_key

        ensure_dev_key(ROOT / "var" / "bench-key.json")
        subprocess.run([sys.executable, "-m", "report_it.cli", "setup"], env=env, check=True, cwd=ROOT)
        if args.nearby_reports:
            seed_reports(db_url, args.nearby_reports)
        hello_file = ROOT / "var" / "bench_hello.py"
        hello_file.write_text(HELLO)
        p1, p2 = free_port(), free_port()
        uv = [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--log-level", "warning"]
        hello = start([*uv, "--app-dir", str(hello_file.parent), "bench_hello:app", "--port", str(p1)], env, p1)
        app = start([*uv, "--factory", "report_it.main:create_app", "--port", str(p2)], env, p2)
        body = json.dumps({"category": "litter", "location": {"lat": 53.545, "long": -2.632}, "description": "bench"})
        try:
            hello_url = f"http://127.0.0.1:{p1}/hello"
            nearby_url = f"http://127.0.0.1:{p2}/v1/reports/nearby?category=fly_tipping&lat={{lat}}&long={{long}}"
            measures = [
                ("create report POST", f"http://127.0.0.1:{p2}/v1/reports", body, False, "creation"),
                ("create, Idempotency-Key", f"http://127.0.0.1:{p2}/v1/reports", body, True, "creation with a key"),
            ]
            if args.nearby_reports:
                label = f"nearby over HTTP ({args.nearby_reports:,} reports)"
                measures.append(("nearby GET", nearby_url, "", False, label))
            # The machine is shared: hello-world is measured before and after each endpoint, and each ratio is taken
            # against the mean of its two neighbours, so a change in load during the run skews no ratio alone.
            if args.nearby_reports:
                seconds = wait_for_nearby_model(f"http://127.0.0.1:{p2}")
                print(f"nearby model rendered {seconds:.0f} s after start; Report IT RSS {rss_mb(app.pid)} MB")
            load(hello_url, args.warmup, args.threads)
            before = measure("hello-world GET", hello.pid, hello_url, args)
            # Round 1 starts just after the seed's checkpoint: the first write to each page of the table and its
            # indexes then logs the whole page, as after any checkpoint. Later rounds show the steadier state.
            for round_ in range(1, args.rounds + 1):
                print(f"-- round {round_}")
                for name, url, payload, keyed, label in measures:
                    # Warmed first, as a server that has been running a while is: pools open, the nearby model's
                    # renderings made for the reports asked about.
                    load(url, args.warmup, args.threads, payload, keyed=keyed)
                    rate = measure(name, app.pid, url, args, payload, keyed=keyed)
                    after = measure("hello-world GET", hello.pid, hello_url, args)
                    print(f"{label} / hello-world = {rate / ((before + after) / 2):.2f}")
                    before = after
        finally:
            hello.terminate()
            app.terminate()
        if args.nearby_reports:
            bench_nearby_in_process(db_url, args.nearby_reports)
    finally:
        drop_database(admin, database)
        if cluster:
            cluster.stop()


if __name__ == "__main__":
    main()
