"""Write requirements.lock: every Python distribution the services, their builds and the test suite install, pinned,
with the hashes of every file the index serves for that version.

    make lock            # pip-tools in var/lock-tools, then this script

The inputs are read from the members' pyproject.toml files (their dependencies, every optional group and their
build-system requirements) and requirements-test.txt, so the lock cannot miss a dependency a member declares. The
pins already in requirements.lock are kept where they still satisfy the inputs (pip-compile's own rule): a new
dependency changes the lock by that dependency, not by an upgrade of everything. `--upgrade` asks for the newest.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
MEMBERS = ("shared", "services/report_it", "services/footprints", "services/volunteering")
sys.path.insert(0, str(ROOT / "deploy" / "docker"))

from pyproject_requirements import requirement_name  # noqa: E402


def member_requirements() -> list[str]:
    """Third-party requirements of every member: dependencies, optional groups and build requirements."""
    found: list[str] = []
    local: set[str] = set()
    documents = [tomllib.loads((ROOT / member / "pyproject.toml").read_text()) for member in MEMBERS]
    for document in documents:
        local.add(requirement_name(document["project"]["name"]))
    for document in documents:
        project = document["project"]
        wanted = list(project.get("dependencies", []))
        for group in project.get("optional-dependencies", {}).values():
            wanted += group
        wanted += document.get("build-system", {}).get("requires", [])
        found += [req for req in wanted if requirement_name(req) not in local and req not in found]
    return found


def compile_lock(pip_compile: str, *, upgrade: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="deal-lock-") as work:
        # pip-compile names each input in its annotations as given: run it where the inputs have short names.
        inputs = Path(work)
        (inputs / "members.in").write_text("".join(f"{req}\n" for req in member_requirements()))
        shutil.copy(ROOT / "requirements-test.txt", inputs / "requirements-test.txt")
        output = inputs / "requirements.lock"
        if LOCK.exists() and not upgrade:
            shutil.copy(LOCK, output)
        command = [
            pip_compile,
            "--quiet",
            "--generate-hashes",
            "--allow-unsafe",  # setuptools: the members' build backend, installed without build isolation
            "--strip-extras",
            "--no-emit-index-url",
            "--no-emit-find-links",
            "--no-emit-trusted-host",
            "--annotation-style=split",
            "--output-file=requirements.lock",
            *(["--upgrade"] if upgrade else []),
            "members.in",
            "requirements-test.txt",
        ]
        env = {**os.environ, "CUSTOM_COMPILE_COMMAND": "make lock"}
        subprocess.run(command, cwd=inputs, env=env, check=True)
        shutil.copy(output, LOCK)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pip-compile", default=shutil.which("pip-compile") or "pip-compile")
    parser.add_argument("--upgrade", action="store_true", help="take the newest versions, not the locked ones")
    arguments = parser.parse_args()
    compile_lock(arguments.pip_compile, upgrade=arguments.upgrade)


if __name__ == "__main__":
    main()
