"""Build the three images with Podman (or Docker), tag them with the commit, write each one's SBOM and check that
each answers its HEALTHCHECK.

    make images [TAG=<tag, default the commit>] [BASE=<image>@sha256:<digest>]

Without BASE the base is built here: Debian bookworm with its Python 3.11, made by mmdebstrap and imported (no
registry is needed), kept as localhost/deal-digital/python-base:bookworm and passed to the builds by its digest.
The SBOMs (CycloneDX JSON) go to var/images/<service>-<tag>.cdx.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sbom import build_sbom

ROOT = Path(__file__).resolve().parents[1]
BASE_NAME = "localhost/deal-digital/python-base:bookworm"
BASE_PACKAGES = "python3,python3-venv,python-is-python3,ca-certificates"
IMAGES = {  # name: (Dockerfile, environment prefix)
    "report-it": ("services/report_it/Dockerfile", "REPORT_IT_"),
    "footprints": ("services/footprints/Dockerfile", "FOOTPRINTS_"),
    "volunteering": ("services/volunteering/Dockerfile", "VOLUNTEERING_"),
}
# Some sandboxes refuse the limits and cgroups Podman's defaults ask for; these are tried when the defaults fail.
CONFINED = (["--runtime", "runc"], ["--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096"])
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")
LIST_DISTRIBUTIONS = (
    "import importlib.metadata as m, json; "
    "print(json.dumps(sorted({(d.metadata['Name'], d.version) for d in m.distributions()})))"
)


class Engine:
    def __init__(self, program: str) -> None:
        self.program = program
        self.global_options: list[str] = []
        self.run_options: list[str] = []

    @property
    def podman(self) -> bool:
        return Path(self.program).name == "podman"

    def __call__(self, *args: str, capture: bool = False, check: bool = True) -> str:
        result = subprocess.run(
            [self.program, *self.global_options, *args], capture_output=capture, text=True, check=check
        )
        return result.stdout if capture else ""

    def fit_to(self, image: str) -> None:
        """Take the options this machine needs to run a container at all."""
        probe = [self.program, "run", "--rm", "--network", "none"]
        if subprocess.run([*probe, image, "true"], capture_output=True).returncode == 0:
            return
        global_options, run_options = CONFINED
        confined = [self.program, *global_options, "run", "--rm", "--network", "none", *run_options, image, "true"]
        if subprocess.run(confined, capture_output=True).returncode != 0:
            raise SystemExit(f"{self.program} cannot run a container here")
        self.global_options, self.run_options = global_options, run_options


def find_engine() -> Engine:
    for program in ("podman", "docker"):
        path = shutil.which(program)
        if path and subprocess.run([path, "info"], capture_output=True).returncode == 0:
            return Engine(path)
    raise SystemExit("neither podman nor docker can build here")


def commit_tag() -> str:
    return subprocess.run(
        ["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def base_image(engine: Engine, *, rebuild: bool) -> str:
    """The base built here, by digest: made with mmdebstrap unless it is already in the engine's store."""
    have = engine("image", "inspect", "--format", "{{.Digest}}", BASE_NAME, capture=True, check=False).strip()
    if not have or rebuild:
        if shutil.which("mmdebstrap") is None:
            raise SystemExit("mmdebstrap is needed to build the base (apt-get install mmdebstrap), or give BASE=")
        with tempfile.TemporaryDirectory(prefix="deal-base-") as work:
            tarball = Path(work) / "rootfs.tar"
            subprocess.run(
                ["mmdebstrap", "--quiet", "--variant=minbase", f"--include={BASE_PACKAGES}",
                 "--aptopt=APT::Install-Recommends \"false\"", "bookworm", str(tarball)],
                check=True,
            )  # fmt: skip
            engine("import", "--change", 'CMD ["python3"]', str(tarball), BASE_NAME, capture=True)
        have = engine("image", "inspect", "--format", "{{.Digest}}", BASE_NAME, capture=True).strip()
    return f"{BASE_NAME.rpartition(':')[0]}@{have}"


def build(engine: Engine, name: str, tag: str, base: str) -> str:
    dockerfile, _prefix = IMAGES[name]
    image = f"deal-digital/{name}:{tag}"
    options = ["--build-arg", f"PYTHON_BASE={base}", "-f", dockerfile, "-t", image]
    if engine.podman:
        # Docker's image format keeps the HEALTHCHECK (OCI's has none). The host's CA bundle and a pip.conf naming
        # it are mounted for the build only, for a machine whose way to the package index is a TLS proxy.
        options += ["--format", "docker", "--network", "host", *engine.run_options]
        if HOST_CA.exists():
            pip_conf = ROOT / "var" / "images" / "pip.conf"
            pip_conf.write_text(f"[global]\ncert = {HOST_CA}\n")
            options += ["-v", f"{HOST_CA}:{HOST_CA}:ro", "-v", f"{pip_conf}:/etc/pip.conf:ro"]
    subprocess.run([engine.program, *engine.global_options, "build", *options, "."], cwd=ROOT, check=True)
    return image


def in_image(engine: Engine, image: str, *command: str) -> str:
    return engine("run", "--rm", "--network", "none", *engine.run_options, image, *command, capture=True)


def write_sbom(engine: Engine, name: str, image: str, base: str) -> Path:
    installed = [tuple(pair) for pair in json.loads(in_image(engine, image, "python", "-c", LIST_DISTRIBUTIONS))]
    debs = in_image(engine, image, "dpkg-query", "-W", "-f", "${Package} ${Version} ${Architecture}\n")
    document = build_sbom(
        service=name, image=image, base=base, installed=installed, debian=[line.split() for line in debs.splitlines()]
    )
    path = ROOT / "var" / "images" / f"{image.split('/')[-1].replace(':', '-')}.cdx.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def healthy(engine: Engine, name: str, image: str, *, within: float = 60.0) -> bool:
    """Start the image on its own (SQLite, an issuer that is never called) and wait for its HEALTHCHECK to pass."""
    prefix = IMAGES[name][1]
    environment = {
        f"{prefix}DATABASE_URL": "sqlite:////tmp/smoke.db",
        f"{prefix}AUTH__ISSUER": "https://login.example.invalid",
        f"{prefix}AUTH__JWKS_URL": "https://login.example.invalid/keys",
    }
    if name == "report-it":
        environment["REPORT_IT_PHOTO_DIR"] = "/tmp/photos"  # the root file system is read-only, as in Kubernetes
    flags = [item for key, value in environment.items() for item in ("-e", f"{key}={value}")]
    container = engine(
        "run", "-d", "--network", "none", "--read-only", "--tmpfs", "/tmp", *engine.run_options, *flags, image,
        capture=True,
    ).strip()  # fmt: skip
    try:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if engine.podman:
                command = [engine.program, *engine.global_options, "healthcheck", "run", container]
                ok = subprocess.run(command, capture_output=True).returncode == 0
            else:
                status = engine("inspect", "--format", "{{.State.Health.Status}}", container, capture=True).strip()
                ok = status == "healthy"
            if ok:
                return True
            time.sleep(2)
        return False
    finally:
        engine("rm", "-f", container, capture=True, check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tag", default=None, help="the images' tag (default: the commit)")
    parser.add_argument("--base", default=None, help="the base image by digest (default: built here)")
    parser.add_argument("--rebuild-base", action="store_true")
    parser.add_argument("--only", nargs="*", choices=sorted(IMAGES), default=sorted(IMAGES))
    arguments = parser.parse_args()
    engine = find_engine()
    (ROOT / "var" / "images").mkdir(parents=True, exist_ok=True)
    base = arguments.base or base_image(engine, rebuild=arguments.rebuild_base)
    if "@sha256:" not in base:
        raise SystemExit(f"{base}: name the base by digest")
    engine.fit_to(base)
    print(f"base: {base} (for compose: export PYTHON_BASE={base})", flush=True)
    tag = arguments.tag or commit_tag()
    failed = []
    for name in arguments.only:
        image = build(engine, name, tag, base)
        sbom = write_sbom(engine, name, image, base)
        ok = healthy(engine, name, image)
        print(f"{image}: {'healthy' if ok else 'NOT HEALTHY'}; SBOM {sbom.relative_to(ROOT)}")
        if not ok:
            failed.append(name)
    if failed:
        raise SystemExit(f"not healthy: {', '.join(failed)}")


if __name__ == "__main__":
    main()
