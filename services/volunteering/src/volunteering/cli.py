"""`volunteering` command: migrate, set up (with demo data), serve, and the footprint retry worker."""

from __future__ import annotations

import argparse
import signal
import threading

import uvicorn
from sqlmodel import Session

from deal_shared.footprints import FootprintsClient
from deal_shared.http import service_http_client
from volunteering.config import Settings
from volunteering.db import migrate
from volunteering.demo import load_demo
from volunteering.locating import FootprintFiller, Locator


def setup(settings: Settings, *, demo: bool) -> None:
    migrate(settings.database_url)
    if not demo:
        print("volunteering: database at head")
        return
    engine = settings.database_engine()
    try:
        with Session(engine, expire_on_commit=False) as session:
            added = load_demo(session, settings)
            session.commit()
    finally:
        engine.dispose()
    print(f"volunteering: database at head; demo data: {added}")


def worker(settings: Settings) -> None:
    """Only the footprint retry loop, for production to run as its own Deployment."""
    engine = settings.database_engine()
    with service_http_client(settings.footprints_url, timeout=3.0) as http:
        locator = Locator(FootprintsClient(http), ttl_seconds=settings.footprint_cache_seconds)
        filler = FootprintFiller(engine, locator, interval=settings.footprint_retry_seconds)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        filler.start()
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            filler.stop()
            engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="volunteering")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="Bring the database schema to head")
    setup_cmd = commands.add_parser("setup", help="Migrate, and with --demo load demo staff and opportunities")
    setup_cmd.add_argument("--demo", action="store_true", help="Load demo data into an empty database")
    serve = commands.add_parser("serve", help="Serve the API (with the footprint retry loop)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8003)
    commands.add_parser("worker", help="Run only the footprint retry loop")
    args = parser.parse_args()

    settings = Settings()
    if args.command == "migrate":
        migrate(settings.database_url)
        print("volunteering: database at head")
    elif args.command == "setup":
        setup(settings, demo=args.demo)
    elif args.command == "worker":
        worker(settings)
    else:
        uvicorn.run("volunteering.main:create_app", factory=True, host=args.host, port=args.port, log_config=None)


if __name__ == "__main__":
    main()
