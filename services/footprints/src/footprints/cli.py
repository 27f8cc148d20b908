"""`footprints` command: migrate, set up (with demo people), import boundaries, serve, deliver, rebalance."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

import uvicorn
from sqlmodel import Session

from deal_shared.heartbeat import DEFAULT_MAX_AGE_S, Heartbeat, stale_reason
from deal_shared.tracing import configure_tracing
from footprints.config import Settings
from footprints.db import migrate
from footprints.demo import load_demo_people
from footprints.outbox import Deliverer
from footprints.places.boundaries import BoundariesRefused, validate
from footprints.places.store import load_illustrative, read_files, replace_boundaries
from footprints.rebalance import run_rebalance
from footprints.rebalance_lock import hold_rebalance
from footprints.report_it_link import report_it_http
from footprints.state import cost_model

# How long the nightly rebalance waits for a run already going (an on-demand one takes seconds).
NIGHTLY_WAIT_S = 120.0


def setup(settings: Settings, *, demo: bool) -> None:
    migrate(settings.database_url)
    engine = settings.database_engine()
    try:
        with Session(engine) as session:
            loaded = load_illustrative(session)
            people = load_demo_people(session) if demo else 0
            session.commit()
    finally:
        engine.dispose()
    boundaries = "illustrative boundaries loaded" if loaded else "boundaries kept"
    print(f"footprints: database at head; {boundaries}; {people} demo workers added")


def import_boundaries(settings: Settings, args: argparse.Namespace) -> int:
    engine = settings.database_engine()
    try:
        document, table = read_files(Path(args.wards), Path(args.table))
        boundary_set = validate(
            document,
            table,
            tolerance_m2=args.tolerance or settings.boundary_tolerance_m2,
            code_property=args.code_property,
            name_property=args.name_property,
        )
        with Session(engine) as session:
            record = replace_boundaries(session, boundary_set, source=str(args.wards))
            session.commit()
            print(f"footprints: imported {record.ward_count} wards in {record.footprint_count} footprints")
        return 0
    except BoundariesRefused as refused:
        print("footprints: boundary file refused; the current boundaries are unchanged:", file=sys.stderr)
        for reason in refused.reasons:
            print(f"  - {reason}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()


def worker(settings: Settings) -> None:
    """Only the delivery loop: production runs it as its own Deployment."""
    configure_tracing("footprints", otlp_endpoint=settings.otlp_endpoint)
    engine = settings.database_engine()
    http = report_it_http(settings)
    deliverer = Deliverer(
        engine,
        http,
        poll_s=settings.outbox_poll_s,
        backoff=settings.outbox_backoff(),
        attempts=settings.outbox_max_attempts,
        concurrency=settings.outbox_concurrency,
        lease_s=settings.outbox_lease_seconds,
        heartbeat=Heartbeat(settings.worker_heartbeat_path),
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    deliverer.start()
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        deliverer.stop()
        http.close()
        engine.dispose()


def worker_alive(settings: Settings, *, max_age_s: float) -> int:
    reason = stale_reason(settings.worker_heartbeat_path, max_age_s=max_age_s)
    if reason is not None:
        print(f"footprints worker: {reason}", file=sys.stderr)
        return 1
    return 0


def rebalance(settings: Settings, args: argparse.Namespace) -> None:
    engine = settings.database_engine()
    try:
        with Session(engine) as session:
            # The nightly run waits for an on-demand one to finish rather than skip the night.
            hold_rebalance(session, wait_s=NIGHTLY_WAIT_S)
            run = run_rebalance(
                session,
                costs=cost_model(settings, fair=True if args.fair else None),
                footprint=args.footprint,
                time_budget_s=args.time_budget or settings.rebalance_time_budget_s,
                trigger=args.trigger,
                actor="system:cli",
                polish=args.polish,
            )
            session.commit()
            gap = f"{run.gap:.4%}" if run.gap is not None else "n/a"
            print(
                f"footprints: run {run.id} ({run.scope}, {run.method}, {run.status}): {run.case_count} cases, "
                f"{run.moved} moved, {run.lent} lent, {run.unplaced} unplaced; objective {run.objective:.0f}, "
                f"bound {run.lower_bound:.0f}, gap {gap}, {run.elapsed_s:.2f}s of {run.time_budget_s:.0f}s"
            )
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="footprints")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="Bring the database schema to head")
    setup_cmd = commands.add_parser("setup", help="Migrate and load the illustrative boundaries into an empty database")
    setup_cmd.add_argument("--demo", action="store_true", help="Also add demo teams and workers")
    imp = commands.add_parser("import-boundaries", help="Replace the wards and footprints with the council's files")
    imp.add_argument("wards", help="GeoJSON FeatureCollection of ward polygons")
    imp.add_argument("table", help="CSV: ward_code,footprint_code,footprint_number,footprint_name")
    imp.add_argument("--code-property", default="code", help="Ward code property, e.g. WD22CD")
    imp.add_argument("--name-property", default="name", help="Ward name property, e.g. WD22NM")
    imp.add_argument("--tolerance", type=float, default=None, help="Largest gap or overlap accepted, in m²")
    serve = commands.add_parser("serve", help="Serve the API (with the outbox deliverer, unless turned off)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8002)
    commands.add_parser("worker", help="Run only the outbox delivery loop")
    alive = commands.add_parser("worker-alive", help="Liveness: exit 1 if the worker has not finished a pass lately")
    alive.add_argument("--max-age", type=float, default=DEFAULT_MAX_AGE_S, help="Seconds allowed since the last pass")
    reb = commands.add_parser("rebalance", help="Re-solve the open cases (nightly) and store the certificate")
    reb.add_argument("--footprint", default=None, help="A footprint code; default the whole borough")
    reb.add_argument("--fair", action="store_true", help="Fair mode for this run")
    reb.add_argument("--polish", action="store_true", help="Spend the budget on CP-SAT for weighted effort")
    reb.add_argument("--time-budget", type=float, default=None)
    reb.add_argument("--trigger", default="nightly")
    args = parser.parse_args()

    settings = Settings()
    if args.command == "migrate":
        migrate(settings.database_url)
        print("footprints: database at head")
    elif args.command == "setup":
        setup(settings, demo=args.demo)
    elif args.command == "import-boundaries":
        sys.exit(import_boundaries(settings, args))
    elif args.command == "worker":
        worker(settings)
    elif args.command == "worker-alive":
        sys.exit(worker_alive(settings, max_age_s=args.max_age))
    elif args.command == "rebalance":
        rebalance(settings, args)
    else:
        uvicorn.run("footprints.main:create_app", factory=True, host=args.host, port=args.port, log_config=None)


if __name__ == "__main__":
    main()
