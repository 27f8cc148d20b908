"""Print the third-party requirements of workspace members, one per line, for an image's dependency layer.

    python pyproject_requirements.py shared services/report_it[s3]

Reads only each member's pyproject.toml, so the layer it feeds is rebuilt when a dependency changes and not on
every code edit. Members named on the command line are left out (they are installed from the source afterwards);
`[extra]` after a member adds that optional dependency group when the member declares it.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_MEMBER = re.compile(r"^(?P<path>[^\[]+)(?:\[(?P<extras>[^\]]*)\])?$")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    match = _NAME.match(requirement)
    if match is None:
        raise ValueError(f"not a requirement: {requirement!r}")
    return canonical(match.group(1))


def requirements(members: list[str]) -> list[str]:
    projects = []
    for member in members:
        match = _MEMBER.match(member)
        if match is None:
            raise ValueError(f"not a member: {member!r}")
        project = tomllib.loads((Path(match["path"]) / "pyproject.toml").read_text())["project"]
        extras = [extra.strip() for extra in (match["extras"] or "").split(",") if extra.strip()]
        projects.append((project, extras))
    local = {canonical(project["name"]) for project, _ in projects}
    found: list[str] = []
    for project, extras in projects:
        wanted = list(project.get("dependencies", []))
        for extra in extras:
            wanted += project.get("optional-dependencies", {}).get(extra, [])
        found += [req for req in wanted if requirement_name(req) not in local and req not in found]
    return found


def main() -> None:
    sys.stdout.write("".join(f"{requirement}\n" for requirement in requirements(sys.argv[1:])))


if __name__ == "__main__":
    main()
