"""Render a kustomization with the `kubectl` on the machine and read the objects it prints."""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy_support.services import ROOT

DEPLOY = ROOT / "deploy"
OVERLAYS = sorted(path.parent.name for path in (DEPLOY / "overlays").glob("*/kustomization.yaml"))


def require_kubectl() -> str:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed here: the Kubernetes manifests cannot be rendered (kubectl kustomize)")
    return kubectl


@functools.cache
def _render(directory: Path) -> tuple[dict[str, Any], ...]:
    result = subprocess.run(
        [require_kubectl(), "kustomize", str(directory)], capture_output=True, text=True, timeout=120, check=False
    )
    if result.returncode != 0:
        raise AssertionError(f"kubectl kustomize {directory.relative_to(ROOT)} failed:\n{result.stderr}")
    return tuple(document for document in yaml.safe_load_all(result.stdout) if document)


def render(directory: Path) -> list[dict[str, Any]]:
    return list(_render(directory))


def overlay_dir(overlay: str) -> Path:
    return DEPLOY / "overlays" / overlay
