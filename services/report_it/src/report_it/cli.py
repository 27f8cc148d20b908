"""`report-it` command: migrate, seed the catalogue, load demo data, serve."""

from __future__ import annotations

import argparse

import uvicorn
from sqlmodel import Session

from deal_shared.db import make_engine
from report_it.categories import seed_categories
from report_it.config import Settings
from report_it.db import migrate
from report_it.demo import load_demo_reports


def setup(settings: Settings, *, demo: bool) -> None:
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            added = seed_categories(session)
            reports = load_demo_reports(session) if demo else 0
            session.commit()
    finally:
        engine.dispose()
    print(f"report-it: database at head; {added} categories added; {reports} demo reports added")


def main() -> None:
    parser = argparse.ArgumentParser(prog="report-it")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="Bring the database schema to head")
    setup_cmd = commands.add_parser("setup", help="Migrate and seed the category catalogue")
    setup_cmd.add_argument("--demo", action="store_true", help="Also load demo reports into an empty database")
    serve = commands.add_parser("serve", help="Serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()

    settings = Settings()
    if args.command == "migrate":
        migrate(settings.database_url)
    elif args.command == "setup":
        setup(settings, demo=args.demo)
    elif args.command == "serve":
        uvicorn.run("report_it.main:create_app", factory=True, host=args.host, port=args.port, log_config=None)


if __name__ == "__main__":
    main()
