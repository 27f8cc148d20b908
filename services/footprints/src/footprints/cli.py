"""`footprints` command: migrate and serve."""

from __future__ import annotations

import argparse

import uvicorn

from footprints.config import Settings
from footprints.db import migrate


def main() -> None:
    parser = argparse.ArgumentParser(prog="footprints")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="Bring the database schema to head")
    setup = commands.add_parser("setup", help="Migrate (and load demo data, when there is any)")
    setup.add_argument("--demo", action="store_true")
    serve = commands.add_parser("serve", help="Serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8002)
    args = parser.parse_args()
    if args.command in ("migrate", "setup"):
        migrate(Settings().database_url)
        print("footprints: database at head")
    else:
        uvicorn.run("footprints.main:create_app", factory=True, host=args.host, port=args.port, log_config=None)


if __name__ == "__main__":
    main()
