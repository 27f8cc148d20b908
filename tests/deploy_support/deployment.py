"""The deployment as the checks read it: rendered overlays, docker-compose.yml, and what the apps serve and read."""

from __future__ import annotations

import functools
import importlib
from typing import Any

import yaml
from pydantic_settings import BaseSettings
from starlette.routing import Match

from tests.deploy_support import kube
from tests.deploy_support.kustomize import overlay_dir, render
from tests.deploy_support.services import BY_NAME, ROOT, Service, env_names

COMPOSE_FILE = ROOT / "docker-compose.yml"

# Settings classes a service reads besides its `config.Settings`: the field app's own (REPORT_IT_APP_*).
EXTRA_SETTINGS = {"report-it": [("report_it.webapp.settings", "WebAppSettings")]}


def settings_classes(service: Service) -> list[type[BaseSettings]]:
    extra = [getattr(importlib.import_module(module), name) for module, name in EXTRA_SETTINGS.get(service.name, [])]
    return [service.settings_class(), *extra]


def unknown_env(service: Service, names: list[str] | set[str]) -> list[str]:
    """Variables the service's settings would silently ignore (extra="ignore"): a typo is a setting never applied."""
    known = set().union(*(env_names(settings) for settings in settings_classes(service)))
    return sorted(name for name in names if name not in known)


@functools.cache
def app_of(service_name: str) -> Any:
    """The service's app from its real factory (nothing starts: no lifespan, no database)."""
    return importlib.import_module(f"{BY_NAME[service_name].package}.main").create_app()


def serves(service_name: str, path: str) -> bool:
    """Whether a GET of `path` reaches one of the app's routes or mounts (the field app is a mount)."""
    scope = {"type": "http", "method": "GET", "path": path, "root_path": "", "headers": [], "query_string": b""}
    return any(route.matches(scope)[0] == Match.FULL for route in app_of(service_name).routes)


def serves_prefix(service_name: str, prefix: str) -> bool:
    prefix = prefix.rstrip("/")
    documented = app_of(service_name).openapi()["paths"]
    return any(path.startswith(prefix + "/") for path in documented) or serves(service_name, prefix + "/")


# ---------------------------------------------------------------------------------------------------------------
# Kubernetes
# ---------------------------------------------------------------------------------------------------------------


def rendered(overlay: str) -> list[kube.Object]:
    return render(overlay_dir(overlay))


def api_workload(objects: list[kube.Object], service: Service) -> kube.Workload:
    (deployment,) = kube.find(objects, "Deployment", service.name)
    return next(w for w in kube.workloads([deployment]))


def config_data(objects: list[kube.Object], service_name: str) -> dict[str, str]:
    """The service's generated ConfigMap (its name carries a content hash)."""
    (config_map,) = [c for c in kube.find(objects, "ConfigMap") if c["metadata"]["name"].startswith(service_name + "-")]
    return config_map["data"]


def ingress_paths(objects: list[kube.Object], name: str | None = None) -> list[kube.Object]:
    """The paths of every Ingress (or of the one called `name`)."""
    rules = [rule for ingress in kube.find(objects, "Ingress", name) for rule in ingress["spec"]["rules"]]
    return [path for rule in rules for path in rule["http"]["paths"]]


# ---------------------------------------------------------------------------------------------------------------
# docker-compose.yml
# ---------------------------------------------------------------------------------------------------------------


@functools.cache
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def compose_env(definition: dict[str, Any]) -> dict[str, str]:
    environment = definition.get("environment", {})
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {name: str(value) for name, value in environment.items()}
