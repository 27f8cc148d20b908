"""An image's SBOM (CycloneDX 1.5 JSON): the Python distributions installed in it, each checked against the lock
(its version, and the file hashes the lock accepts for it), the workspace members, and the base's Debian packages.

`build_sbom` refuses an image whose distributions are not exactly its share of requirements.lock: an SBOM that
lists what the lock says rather than what the image holds would hide the difference.
"""

from __future__ import annotations

import re
import sys
import tomllib
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "deploy" / "docker"))

from locked_requirements import member_roots, needed, parse_lock  # noqa: E402
from pyproject_requirements import canonical  # noqa: E402

MEMBERS = {  # the image's members, as its Dockerfile installs them
    "report-it": ["shared", "services/report_it[s3]"],
    "footprints": ["shared", "services/footprints"],
    "volunteering": ["shared", "services/volunteering"],
}
# Taken out of the venv at the end of the build (no installer in the image that runs).
REMOVED = {"pip", "setuptools"}


class NotTheLock(ValueError):
    pass


def members(service: str) -> dict[str, str]:
    found = {}
    for member in MEMBERS[service]:
        project = tomllib.loads((ROOT / member.split("[")[0] / "pyproject.toml").read_text())["project"]
        found[canonical(project["name"])] = project["version"]
    return found


def locked_share(service: str) -> dict[str, Any]:
    entries = parse_lock((ROOT / "requirements.lock").read_text())
    paths = [re.sub(r"^([^\[]+)", lambda m: str(ROOT / m.group(1)), member) for member in MEMBERS[service]]
    return {entry.name: entry for entry in needed(entries, member_roots(paths))}


def build_sbom(
    *, service: str, image: str, base: str, installed: list[tuple[str, str]], debian: list[list[str]]
) -> dict[str, Any]:
    share = locked_share(service)
    own = members(service)
    found = {canonical(name): version for name, version in installed}
    expected = {name: entry.version for name, entry in share.items() if name not in REMOVED} | own
    if found != expected:
        extra = sorted(f"{n}=={v}" for n, v in found.items() if expected.get(n) != v)
        missing = sorted(f"{n}=={v}" for n, v in expected.items() if found.get(n) != v)
        raise NotTheLock(f"{image}: installed but not locked {extra}; locked but not installed {missing}")
    components = []
    for name, version in sorted(found.items()):
        component: dict[str, Any] = {
            "type": "library",
            "bom-ref": f"pkg:pypi/{name}@{version}",
            "name": name,
            "version": version,
            "purl": f"pkg:pypi/{name}@{version}",
        }
        if name in own:
            component["properties"] = [{"name": "deal:source", "value": "this repository (workspace member)"}]
        else:
            component["externalReferences"] = [
                {
                    "type": "distribution",
                    "url": f"https://pypi.org/project/{name}/{version}/",
                    "comment": "the files requirements.lock accepts for this version",
                    "hashes": [
                        {"alg": "SHA-256", "content": digest.removeprefix("sha256:")} for digest in share[name].hashes
                    ],
                }
            ]
        components.append(component)
    for package, version, architecture in debian:
        purl = f"pkg:deb/debian/{package}@{version}?arch={architecture}&distro=bookworm"
        components.append({"type": "library", "bom-ref": purl, "name": package, "version": version, "purl": purl})
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": {
            "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
            "component": {
                "type": "container",
                "bom-ref": image,
                "name": image.rpartition(":")[0],
                "version": image.rpartition(":")[2],
            },
            "properties": [{"name": "org.opencontainers.image.base.name", "value": base}],
        },
        "components": components,
    }
