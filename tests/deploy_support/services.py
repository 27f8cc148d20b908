"""What the code says about each service: its names, its settings' environment variables, its commands."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import tomllib
import types
import typing
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel
from pydantic_settings import BaseSettings

ROOT = Path(__file__).resolve().parents[2]
PORT = 8000
IMAGE_PREFIX = "deal-digital/"


@dataclass(frozen=True)
class Service:
    name: str  # Kubernetes, compose and image name: report-it
    package: str  # Python package: report_it

    @property
    def directory(self) -> Path:
        return ROOT / "services" / self.package

    @property
    def dockerfile(self) -> Path:
        return self.directory / "Dockerfile"

    @property
    def image(self) -> str:
        return IMAGE_PREFIX + self.name

    @property
    def factory(self) -> str:
        return f"{self.package}.main:create_app"

    def settings_class(self) -> type[BaseSettings]:
        return importlib.import_module(f"{self.package}.config").Settings

    @property
    def env_prefix(self) -> str:
        return str(self.settings_class().model_config.get("env_prefix", ""))

    def scripts(self) -> dict[str, str]:
        """Console scripts the service's distribution installs, name -> `module:function`."""
        project = tomllib.loads((self.directory / "pyproject.toml").read_text())["project"]
        return dict(project.get("scripts", {}))


SERVICES = [
    Service("report-it", "report_it"),
    Service("footprints", "footprints"),
    Service("volunteering", "volunteering"),
]
BY_NAME = {service.name: service for service in SERVICES}


def service_for_image(image: str) -> Service | None:
    """`deal-digital/report-it:1.2` (with or without a registry in front) -> report-it."""
    repository = image.rsplit("@", 1)[0]
    last = repository.rsplit("/", 1)[-1]
    name = last.split(":", 1)[0]
    return BY_NAME.get(name) if repository.split(":", 1)[0].endswith(IMAGE_PREFIX + name) else None


def _models_in(annotation: object) -> list[type[BaseModel]]:
    """The pydantic models a field's annotation holds (`AuthSettings`, `AuthSettings | None`, ...)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [model for arg in typing.get_args(annotation) for model in _models_in(arg)]
    return []


def env_names(settings: type[BaseSettings]) -> set[str]:
    """Every environment variable the settings class reads, nested ones included (PREFIX_AUTH__JWKS_URL).

    Walks `model_fields`, so a field added to the code is accepted by the deployment checks without touching them.
    """
    config = settings.model_config
    prefix = str(config.get("env_prefix", ""))
    delimiter = config.get("env_nested_delimiter")
    names: set[str] = set()

    def walk(model: type[BaseModel], path: str) -> None:
        for field_name, field in model.model_fields.items():
            alias = field.validation_alias if isinstance(field.validation_alias, str) else None
            # A top-level alias is read as it is, without the prefix; a nested one replaces the field's name.
            name = alias if alias and path == prefix else path + (alias or field_name)
            names.add(name.upper())
            if delimiter:
                for nested in _models_in(field.annotation):
                    walk(nested, f"{path}{alias or field_name}{delimiter}")

    walk(settings, prefix)
    return names


def load_settings(
    service: Service, environment: dict[str, str], settings: type[BaseSettings] | None = None
) -> BaseSettings:
    """Build the service's Settings (or another class it reads, e.g. the field app's) from exactly `environment`
    (nothing else from the process), as a pod would."""
    settings = settings or service.settings_class()
    saved = dict(os.environ)
    try:
        for key in list(os.environ):
            if key.upper().startswith(service.env_prefix):
                del os.environ[key]
        os.environ.update(environment)
        return settings(_env_file=None)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def command_problem(service: Service, command: list[str]) -> str | None:
    """None when the service's image can run `command`; else why not. Asks the real CLI with --help."""
    if not command:
        return "empty command"
    program, *args = command
    if program in ("python", "python3"):
        argv = [sys.executable, *args, "--help"]
    elif program in service.scripts():
        argv = [str(Path(sys.executable).with_name(program)), *args, "--help"]
    else:
        return f"{program!r} is not a console script of {service.name} ({sorted(service.scripts())})"
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=ROOT)
    if result.returncode != 0:
        return f"{' '.join(command)} is refused by the code: {result.stderr.strip()[-300:]}"
    return None
