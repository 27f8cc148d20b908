"""`make run`: set up every service on the embedded default (SQLite under var/), load demo data, serve.

Ctrl-C stops everything.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var"
SERVICES = [
    ("report_it", "REPORT_IT", 8001),
    ("footprints", "FOOTPRINTS", 8002),
    ("volunteering", "VOLUNTEERING", 8003),
]


def service_env(prefix: str) -> dict[str, str]:
    env = dict(os.environ)
    env[f"{prefix}_AUTH__DEV_MODE"] = "true"
    env[f"{prefix}_AUTH__DEV_KEY_PATH"] = str(VAR / "dev-signing-key.json")
    env.setdefault(f"{prefix}_DATABASE_URL", f"sqlite:///{VAR / (prefix.lower() + '.db')}")
    if prefix == "REPORT_IT":
        env.setdefault("REPORT_IT_PHOTO_DIR", str(VAR / "photos"))
    return env


def main() -> None:
    sys.path.insert(0, str(ROOT / "shared" / "src"))
    from deal_shared.devtoken import ensure_dev_key, mint_token

    VAR.mkdir(exist_ok=True)
    key = VAR / "dev-signing-key.json"
    ensure_dev_key(key)
    for name, prefix, _port in SERVICES:
        subprocess.run([sys.executable, "-m", f"{name}.cli", "setup", "--demo"], env=service_env(prefix), check=True)
    children = [
        subprocess.Popen([sys.executable, "-m", f"{name}.cli", "serve", "--port", str(port)], env=service_env(prefix))
        for name, prefix, port in SERVICES
    ]
    token = mint_token(key, subject="demo.officer", roles=["staff", "team_leader", "admin"], name="Demo Officer")
    time.sleep(1.5)
    print("\nDeal Digital is running:")
    for name, _prefix, port in SERVICES:
        print(f"  {name:<13} http://127.0.0.1:{port}/docs")
    print(f"\nDemo staff token (12 hours; staff, team_leader, admin):\n{token}\n\nCtrl-C stops everything.")

    def stop(*_args: object) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while all(child.poll() is None for child in children):
        time.sleep(0.5)
    print("a service stopped; stopping the rest", file=sys.stderr)
    stop()


if __name__ == "__main__":
    main()
