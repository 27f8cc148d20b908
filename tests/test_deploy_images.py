"""One image built for real (Volunteering's, the smallest) by `make images`' own script: it builds on the base named by
digest, answers its HEALTHCHECK, and its SBOM lists exactly the locked distributions it holds. Skipped where no
container engine can build (no Podman or Docker, or no way to make or find the base)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from tests.deploy_support.services import ROOT
from tests.test_deploy_supply_chain import lock

TAG = "selftest"


def engine_problem() -> str | None:
    engines = [p for p in ("podman", "docker") if shutil.which(p)]
    if not engines:
        return "neither podman nor docker is installed (apt-get install podman mmdebstrap)"
    if all(subprocess.run([p, "info"], capture_output=True).returncode != 0 for p in engines):
        return f"{', '.join(engines)} cannot reach a container engine here"
    have_base = subprocess.run(
        [engines[0], "image", "exists", "localhost/deal-digital/python-base:bookworm"], capture_output=True
    )
    if have_base.returncode != 0 and shutil.which("mmdebstrap") is None:
        return "no base image and no mmdebstrap to make one (apt-get install mmdebstrap)"
    return None


@pytest.mark.skipif(engine_problem() is not None, reason=str(engine_problem()))
def test_an_image_builds_on_its_pinned_base_is_healthy_and_its_sbom_is_what_it_holds() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/build_images.py", "--only", "volunteering", "--tag", TAG],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert f"deal-digital/volunteering:{TAG}: healthy" in result.stdout

    document = json.loads((ROOT / "var" / "images" / f"volunteering-{TAG}.cdx.json").read_text())
    properties = {p["name"]: p["value"] for p in document["metadata"]["properties"]}
    assert "@sha256:" in properties["org.opencontainers.image.base.name"]
    entries = lock()
    pypi = [c for c in document["components"] if c["purl"].startswith("pkg:pypi/")]
    for component in pypi:
        if "externalReferences" in component:
            assert entries[component["name"]].version == component["version"], component["name"]
    assert {"fastapi", "uvicorn", "sqlmodel", "deal-shared", "volunteering"} <= {c["name"] for c in pypi}
    assert not {"pip", "setuptools", "pytest"} & {c["name"] for c in pypi}, "no installer and no test tool"
    assert any(c["purl"].startswith("pkg:deb/debian/python3.11@") for c in document["components"])
