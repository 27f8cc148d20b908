"""Print the entries of requirements.lock (pins and hashes) that some workspace members need, for an image to install
with `pip install --require-hashes --no-deps`.

    python locked_requirements.py requirements.lock shared services/report_it[s3]

One lock file serves every image and `make install`; each image takes only what its members pull in: their
third-party requirements and their build backend, and what those need in turn, as the lock's `# via` annotations
record. A requirement of a member that the lock does not pin is an error: the lock is stale (`make lock`).
"""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pyproject_requirements import canonical, requirement_name, requirements

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")
_MEMBER_PATH = re.compile(r"^([^\[]+)")


@dataclass
class Entry:
    name: str
    version: str
    lines: list[str] = field(default_factory=list)  # the pin and its hash lines, as written
    hashes: list[str] = field(default_factory=list)
    required_by: set[str] = field(default_factory=set)  # canonical names, or "-r <file>" for an input


def parse_lock(text: str) -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    current: Entry | None = None
    in_via = False
    for line in text.splitlines():
        stripped = line.strip()
        pin = _PIN.match(line)
        if pin:
            current = Entry(canonical(pin.group(1)), pin.group(2), [line.rstrip()])
            entries[current.name] = current
            in_via = False
        elif current is not None and stripped.startswith("--hash="):
            current.lines.append(line.rstrip())
            current.hashes.append(stripped.removeprefix("--hash=").rstrip(" \\"))
        elif current is not None and stripped.startswith("# via"):
            rest = stripped.removeprefix("# via").strip()
            in_via = not rest
            if rest:
                current.required_by.add(_source(rest))
        elif current is not None and in_via and stripped.startswith("#   "):
            current.required_by.add(_source(stripped.removeprefix("#").strip()))
        else:
            in_via = False
    return entries


def _source(text: str) -> str:
    return text if text.startswith("-r ") else canonical(text.split()[0])


def needed(entries: dict[str, Entry], roots: set[str]) -> list[Entry]:
    """The entries the roots pull in: the roots, and whatever an entry already taken requires, to a fixed point."""
    missing = sorted(roots - set(entries))
    if missing:
        raise SystemExit(f"requirements.lock pins none of {', '.join(missing)}: run `make lock`")
    taken = set(roots)
    grown = True
    while grown:
        grown = False
        for entry in entries.values():
            if entry.name not in taken and entry.required_by & taken:
                taken.add(entry.name)
                grown = True
    return [entries[name] for name in sorted(taken)]


def member_roots(members: list[str]) -> set[str]:
    roots = {requirement_name(requirement) for requirement in requirements(members)}
    for member in members:
        match = _MEMBER_PATH.match(member)
        assert match is not None
        document = tomllib.loads((Path(match.group(1)) / "pyproject.toml").read_text())
        roots |= {requirement_name(req) for req in document.get("build-system", {}).get("requires", [])}
    return roots


def main() -> None:
    lock, *members = sys.argv[1:]
    entries = parse_lock(Path(lock).read_text())
    for entry in needed(entries, member_roots(members)):
        sys.stdout.write("\n".join(entry.lines).rstrip(" \\") + "\n")


if __name__ == "__main__":
    main()
