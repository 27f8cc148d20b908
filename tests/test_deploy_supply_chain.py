"""The supply chain, offline: the lock pins every dependency the members and the tests declare, with hashes; each
image's share of it is complete; every container file takes its base by digest, installs with hashes and checks
its own health."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.deploy_support.deployment import serves
from tests.deploy_support.dockerfile import logical_lines, parse
from tests.deploy_support.services import ROOT, SERVICES, Service

DOCKER = ROOT / "deploy" / "docker"
MEMBERS = [ROOT / "shared", *(service.directory for service in SERVICES)]
IMAGE_MEMBERS = {"report-it": ["shared", "services/report_it[s3]"]}


def load_helper(name: str) -> Any:
    sys.path.insert(0, str(DOCKER))  # the helpers import each other as the images run them, from one folder
    spec = importlib.util.spec_from_file_location(name, DOCKER / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


LOCKED = load_helper("locked_requirements")


def lock() -> dict[str, Any]:
    return LOCKED.parse_lock((ROOT / "requirements.lock").read_text())


def declared() -> list[Requirement]:
    found = []
    local = {canonicalize_name(tomllib.loads((m / "pyproject.toml").read_text())["project"]["name"]) for m in MEMBERS}
    for member in MEMBERS:
        document = tomllib.loads((member / "pyproject.toml").read_text())
        project = document["project"]
        wanted = list(project.get("dependencies", []))
        for group in project.get("optional-dependencies", {}).values():
            wanted += group
        wanted += document["build-system"]["requires"]
        found += [Requirement(r) for r in wanted if canonicalize_name(Requirement(r).name) not in local]
    for line in (ROOT / "requirements-test.txt").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            found.append(Requirement(line.strip()))
    return found


def test_the_lock_pins_every_declared_dependency_with_hashes() -> None:
    entries = lock()
    for requirement in declared():
        entry = entries.get(canonicalize_name(requirement.name))
        assert entry is not None, f"{requirement} is declared but not locked: run `make lock`"
        assert requirement.specifier.contains(entry.version, prereleases=True), f"{requirement}: locked {entry.version}"
    for entry in entries.values():
        assert entry.hashes and all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in entry.hashes), entry.name


def image_members(service: Service) -> list[str]:
    return IMAGE_MEMBERS.get(service.name, ["shared", f"services/{service.package}"])


def image_share(service: Service) -> list[Any]:
    members = []
    for member in image_members(service):
        path, bracket, extras = member.partition("[")
        members.append(f"{ROOT / path}{bracket}{extras}")
    return LOCKED.needed(lock(), LOCKED.member_roots(members))


@pytest.mark.parametrize("service", SERVICES, ids=[s.name for s in SERVICES])
def test_each_images_share_of_the_lock_holds_everything_its_members_require(service: Service) -> None:
    """Walk the requirements from the members down through each distribution's own metadata (installed here from
    the same lock): every one reached is in the share the image installs with --no-deps."""
    share = {entry.name: entry.version for entry in image_share(service)}
    pending = declared_by(service)
    seen: set[tuple[str, frozenset[str]]] = set()
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        if (name, frozenset(requirement.extras)) in seen:
            continue
        seen.add((name, frozenset(requirement.extras)))
        assert name in share, f"{service.name} needs {name} ({requirement}) but its image would not install it"
        distribution = importlib.metadata.distribution(name)
        assert distribution.version == share[name], f"{name}: installed {distribution.version}, locked {share[name]}"
        for text in distribution.requires or []:
            child = Requirement(text)
            environments = [{"extra": extra} for extra in requirement.extras] or [{"extra": ""}]
            if child.marker is None or any(child.marker.evaluate(env) for env in environments):
                pending.append(child)
    assert "pytest" not in share and "playwright" not in share, "the tests' tools stay out of the images"


def declared_by(service: Service) -> list[Requirement]:
    found = []
    for member in image_members(service):
        path, _, extras = member.partition("[")
        document = tomllib.loads((ROOT / path / "pyproject.toml").read_text())
        wanted = list(document["project"].get("dependencies", []))
        for extra in extras.rstrip("]").split(","):
            wanted += document["project"].get("optional-dependencies", {}).get(extra.strip(), [])
        found += [Requirement(r) for r in wanted if not r.startswith("deal-shared")]
    return found


def base_argument(path: Path) -> str:
    """The ARG that names the base: declared before the first FROM, with no default (a tag would be one)."""
    before = []
    for line in logical_lines(path.read_text()):
        if line.upper().startswith("FROM "):
            break
        before.append(line)
    (argument,) = [line for line in before if line.upper().startswith("ARG ")]
    return argument.split(None, 1)[1]


def digest_check(service: Service) -> str:
    build = parse(service.dockerfile)[0]
    (check,) = [run.arguments for run in build.all("RUN") if "@sha256:" in run.arguments]
    return check[: check.index("esac") + len("esac")]


@pytest.mark.parametrize("service", SERVICES, ids=[s.name for s in SERVICES])
def test_each_container_file_takes_its_base_by_digest_installs_with_hashes_and_checks_its_health(
    service: Service,
) -> None:
    assert base_argument(service.dockerfile) == "PYTHON_BASE"
    assert all(stage.base == "${PYTHON_BASE}" for stage in parse(service.dockerfile))
    # The build refuses a base named by a tag: the check the build stage runs first, run here by the shell.
    check = digest_check(service)
    digest = "localhost/deal-digital/python-base@sha256:" + "a" * 64
    for base, accepted in ((digest, True), ("python:3.11-slim-bookworm", False), (digest[:-1], False)):
        result = subprocess.run(["sh", "-c", check], env={"PYTHON_BASE": base}, capture_output=True, text=True)
        assert (result.returncode == 0) == accepted, (base, result.stderr)

    build, final = parse(service.dockerfile)[0], parse(service.dockerfile)[-1]
    installs = [run.arguments for run in build.all("RUN") if "pip install" in run.arguments]
    assert "--require-hashes" in installs[0] and "--no-deps" in installs[0] and "requirements.lock" in installs[0]
    for later in installs[1:]:
        assert "--no-deps" in later and "--no-build-isolation" in later, "nothing comes from the index unhashed"
    (healthcheck,) = final.all("HEALTHCHECK")
    argv = healthcheck.arguments[healthcheck.arguments.index("CMD") + 3 :].strip()
    (url,) = re.findall(r"http://127\.0\.0\.1:8000(/[a-z]+)", argv)
    assert serves(service.name, url), f"{service.name} does not serve {url}"
    assert argv.startswith('["python", "-c"'), "Python's own urllib: the image has no curl"


def load_script(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("service", SERVICES, ids=[s.name for s in SERVICES])
def test_the_sbom_lists_the_locked_packages_and_refuses_an_image_that_differs(service: Service) -> None:
    sbom = load_script("sbom")
    share = {entry.name: entry for entry in image_share(service)}
    installed = [(name, entry.version) for name, entry in share.items() if name not in sbom.REMOVED]
    installed += list(sbom.members(service.name).items())
    debian = [["python3.11", "3.11.2-6+deb12u6", "amd64"]]
    base = "localhost/deal-digital/python-base@sha256:" + "b" * 64
    image = f"deal-digital/{service.name}:0.1.0"
    document = sbom.build_sbom(service=service.name, image=image, base=base, installed=installed, debian=debian)
    assert document["bomFormat"] == "CycloneDX" and document["specVersion"] == "1.5"
    listed = {c["purl"]: c for c in document["components"]}
    for name, entry in share.items():
        if name in sbom.REMOVED:
            continue
        component = listed[f"pkg:pypi/{name}@{entry.version}"]
        (reference,) = component["externalReferences"]
        assert {h["content"] for h in reference["hashes"]} == {h.removeprefix("sha256:") for h in entry.hashes}
    assert "pkg:deb/debian/python3.11@3.11.2-6+deb12u6?arch=amd64&distro=bookworm" in listed
    assert {"name": "org.opencontainers.image.base.name", "value": base} in document["metadata"]["properties"]

    name, version = installed[0]
    drifted = [(name, version + ".post1"), *installed[1:]]
    with pytest.raises(sbom.NotTheLock, match=name):
        sbom.build_sbom(service=service.name, image=image, base=base, installed=drifted, debian=debian)
