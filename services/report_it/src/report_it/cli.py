"""`report-it` command: migrate, seed the catalogue, load demo data, serve."""

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
from deal_shared.web.logging import configure_logging
from report_it.categories import seed_categories
from report_it.config import Settings
from report_it.db import migrate
from report_it.delivery import Deliverer
from report_it.demo import load_demo_reports
from report_it.open311.keys import seed_demo_key
from report_it.outcomes.commands import import_populations, rebuild_outcomes
from report_it.outcomes.populations import seed_populations
from report_it.retention import anonymise_closed_reports, forget_unconfirmed_subscriptions
from report_it.templates import seed_templates


def setup(settings: Settings, *, demo: bool) -> None:
    migrate(settings.database_url)
    engine = settings.database_engine()
    try:
        with Session(engine) as session:
            added = seed_categories(session)
            session.flush()
            seed_templates(session)
            seed_populations(session)
            reports = load_demo_reports(session) if demo else 0
            keys = seed_demo_key(session) if demo else 0
            session.commit()
    finally:
        engine.dispose()
    print(f"report-it: database at head; {added} categories added; {reports} demo reports added; {keys} demo keys")


def main() -> None:
    parser = argparse.ArgumentParser(prog="report-it")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="Bring the database schema to head")
    setup_cmd = commands.add_parser("setup", help="Migrate and seed the category catalogue")
    setup_cmd.add_argument("--demo", action="store_true", help="Also load demo reports into an empty database")
    serve = commands.add_parser("serve", help="Serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8001)
    commands.add_parser("worker", help="Run only the outbox delivery (e-mail, webhooks, Footprints cases)")
    alive = commands.add_parser("worker-alive", help="Liveness: exit 1 if the worker has not finished a pass lately")
    alive.add_argument("--max-age", type=float, default=DEFAULT_MAX_AGE_S, help="Seconds allowed since the last pass")
    anonymise = commands.add_parser(
        "anonymise",
        help="Remove reporters' contact details from long-closed reports, and addresses never confirmed",
    )
    anonymise.add_argument("--months", type=int, help="Closed more than this many months ago (default: setting)")
    populations = commands.add_parser(
        "import-populations", help="Replace the ward populations (CSV: ward_code,ward_name,footprint_code,population)"
    )
    populations.add_argument("file", type=Path)
    populations.add_argument("--source", help="Where the figures come from, e.g. 'ONS mid-2022 ward estimates'")
    populations.add_argument("--year", type=int, help="The estimates' year")
    commands.add_parser("rebuild-outcomes", help="Recompute the outcome rollups from every report")
    args = parser.parse_args()

    settings = Settings()
    if args.command == "migrate":
        migrate(settings.database_url)
    elif args.command == "setup":
        setup(settings, demo=args.demo)
    elif args.command == "serve":
        uvicorn.run("report_it.main:create_app", factory=True, host=args.host, port=args.port, log_config=None)
    elif args.command == "worker":
        run_worker(settings)
    elif args.command == "worker-alive":
        reason = stale_reason(settings.worker_heartbeat_path, max_age_s=args.max_age)
        if reason is not None:
            sys.exit(f"report-it worker: {reason}")
    elif args.command == "import-populations":
        count = import_populations(settings, args.file, source=args.source, year=args.year)
        print(f"report-it: {count} ward populations imported")
    elif args.command == "rebuild-outcomes":
        print(f"report-it: outcome rollups rebuilt from {rebuild_outcomes(settings)} reports")
    elif args.command == "anonymise":
        months = args.months if args.months is not None else settings.retention_months
        reports, subscriptions = run_anonymise(settings, months=months)
        print(f"report-it: anonymised {reports} reports closed over {months} months ago")
        print(f"report-it: forgot {subscriptions} subscriptions whose address was never confirmed")


def run_worker(settings: Settings) -> None:
    configure_logging("report-it", settings.log_level)
    configure_tracing("report-it", otlp_endpoint=settings.otlp_endpoint)
    engine = settings.database_engine()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    deliverer = Deliverer(engine, settings)
    try:
        deliverer.run_forever(stop, heartbeat=Heartbeat(settings.worker_heartbeat_path))
    finally:
        deliverer.close()
        engine.dispose()


def run_anonymise(settings: Settings, *, months: int) -> tuple[int, int]:
    """Reports anonymised, unconfirmed subscriptions forgotten."""
    engine = settings.database_engine()
    try:
        with Session(engine) as session:
            reports = anonymise_closed_reports(session, months=months)
            subscriptions = forget_unconfirmed_subscriptions(session)
            session.commit()
    finally:
        engine.dispose()
    return reports, subscriptions


if __name__ == "__main__":
    main()
