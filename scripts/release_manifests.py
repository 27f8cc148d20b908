"""Render an overlay for one release: every image at the release's own tag (and, given one, the council's registry),
so each roll-out changes the pods and names its own migration Jobs.

    .venv/bin/python scripts/release_manifests.py staging                 # tag: this checkout's commit
    .venv/bin/python scripts/release_manifests.py production --tag 0.2.0 --registry registry.wigan.gov.uk/deal

Writes the manifests to stdout (or --out). A moving tag (main, latest, ...) is refused: Kubernetes would see the same
pod specs and roll nothing, and the release's migration Jobs, named after the tag, would not run again. The overlay
in the repository is not changed: it is copied, and the copy is pointed at the tag.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ("deal-digital/report-it", "deal-digital/footprints", "deal-digital/volunteering")
MOVING_TAGS = {"main", "master", "latest", "staging", "production", "dev", "head"}
# A tag as registries take them (and short enough for the Job names built from it).
TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,39}$")


class Refused(ValueError):
    pass


def commit_tag() -> str:
    return subprocess.run(
        ["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def check_tag(tag: str) -> str:
    if not TAG.match(tag):
        raise Refused(f"{tag!r} is not an image tag (letters, digits, '_', '.', '-'; at most 40)")
    if tag.lower() in MOVING_TAGS:
        raise Refused(f"{tag!r} moves from build to build: give each release a tag of its own (a version or commit)")
    return tag


def render(overlay: str, tag: str, registry: str | None = None) -> str:
    check_tag(tag)
    with tempfile.TemporaryDirectory(prefix="deal-release-") as work:
        copy = Path(work) / "deploy"
        shutil.copytree(ROOT / "deploy", copy)
        kustomization = copy / "overlays" / overlay / "kustomization.yaml"
        if not kustomization.exists():
            raise Refused(f"there is no overlay {overlay!r}")
        document = yaml.safe_load(kustomization.read_text())
        document["images"] = [
            {
                "name": image,
                "newTag": tag,
                **({"newName": f"{registry.rstrip('/')}/{image.split('/')[-1]}"} if registry else {}),
            }
            for image in IMAGES
        ]
        kustomization.write_text(yaml.safe_dump(document, sort_keys=False))
        rendered = subprocess.run(
            ["kubectl", "kustomize", str(kustomization.parent)], capture_output=True, text=True, check=True
        )
        return rendered.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("overlay", help="staging or production")
    parser.add_argument("--tag", help="the release's image tag (default: this checkout's commit)")
    parser.add_argument("--registry", help="where the images are pushed, e.g. registry.wigan.gov.uk/deal")
    parser.add_argument("--out", type=Path, help="write here instead of stdout")
    args = parser.parse_args()
    try:
        manifests = render(args.overlay, args.tag or commit_tag(), args.registry)
    except Refused as refused:
        sys.exit(f"release_manifests: {refused}")
    if args.out:
        args.out.write_text(manifests)
    else:
        sys.stdout.write(manifests)


if __name__ == "__main__":
    main()
