"""`python -m tests.chaos --reports 2000`: one chaos run, its table and verdicts; exits 1 if an invariant failed."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from tests.chaos.run import run


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.chaos", description=__doc__)
    parser.add_argument("--reports", type=int, default=2000, help="reports the residents send")
    parser.add_argument("--bookings", type=int, default=200, help="staff booking the scarce volunteering day (0: none)")
    parser.add_argument("--places", type=int, default=10, help="places on the scarce day")
    parser.add_argument("--threads", type=int, default=12, help="report journeys under way at once")
    parser.add_argument("--gap", type=float, default=6.0, help="seconds between one fault's recovery and the next")
    parser.add_argument("--run-dir", type=Path, help="where the services' logs go (default: a new temporary folder)")
    args = parser.parse_args()
    # Stopped from outside (a timeout, CI): unwind, so that the services and the cluster are stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    result = run(
        reports=args.reports,
        bookers=args.bookings,
        places=args.places,
        threads=args.threads,
        gap_s=args.gap,
        run_dir=args.run_dir,
    )
    print(result.summary())  # noqa: T201  (the command's output)
    print(f"services' logs: {result.run_dir}")  # noqa: T201
    sys.exit(0 if result.passed else 1)


if __name__ == "__main__":
    main()
