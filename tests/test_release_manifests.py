"""A release renders its overlay at its own image tag: each roll-out changes every pod and names its own migration
Jobs, and a moving tag such as `main` (with which staging would never roll) is refused."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "release_manifests.py"
_spec = importlib.util.spec_from_file_location("release_manifests", SCRIPT)
assert _spec and _spec.loader
release = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(release)


def objects(text: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


def pod_images(docs: list[dict]) -> dict[str, list[str]]:
    found = {}
    for doc in docs:
        spec = doc.get("spec", {})
        template = spec.get("template") or spec.get("jobTemplate", {}).get("spec", {}).get("template")
        if doc["kind"] in ("Deployment", "Job", "CronJob") and template:
            found[f"{doc['kind']}/{doc['metadata']['name']}"] = [c["image"] for c in template["spec"]["containers"]]
    return found


@pytest.mark.parametrize("overlay", ["staging", "production"])
def test_every_service_image_and_migration_job_carries_the_release_tag(overlay: str) -> None:
    docs = objects(release.render(overlay, "4be15ed0abcd", "registry.wigan.example/deal"))
    images = pod_images(docs)
    ours = [image for group in images.values() for image in group if "/deal/" in image]
    assert ours and all(image.endswith(":4be15ed0abcd") for image in ours)
    assert all(image.startswith("registry.wigan.example/deal/") for image in ours)
    jobs = sorted(name for name in images if name.startswith("Job/"))
    assert jobs == [f"Job/{s}-migrate-4be15ed0abcd" for s in ("footprints", "report-it", "volunteering")]


def test_two_releases_differ_in_every_workload_so_each_rolls() -> None:
    first = pod_images(objects(release.render("staging", "1111aaaa2222")))
    second = pod_images(objects(release.render("staging", "3333bbbb4444")))
    deployments = [name for name in first if name.startswith("Deployment/") and "deal-db" not in name]
    assert deployments and all(first[name] != second.get(name) for name in deployments)


@pytest.mark.parametrize("tag", ["main", "latest", "Staging", "", "a/b", "x" * 41])
def test_moving_or_malformed_tags_are_refused(tag: str) -> None:
    with pytest.raises(release.Refused):
        release.render("staging", tag)


def test_the_command_takes_the_commit_by_default_and_refuses_with_a_reason() -> None:
    made = subprocess.run([sys.executable, str(SCRIPT), "staging"], capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    commit = release.commit_tag()
    assert f"report-it-migrate-{commit}" in made.stdout
    refused = subprocess.run([sys.executable, str(SCRIPT), "staging", "--tag", "main"], capture_output=True, text=True)
    assert refused.returncode == 1 and "moves from build to build" in refused.stderr
