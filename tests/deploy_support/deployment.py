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


# Read by the HTTP server (uvicorn) or the database driver (libpq: the role's password), not by the settings.
SERVER_ENV = frozenset({"FORWARDED_ALLOW_IPS", "PGPASSWORD"})


def unknown_env(service: Service, names: list[str] | set[str]) -> list[str]:
    """Variables the service's settings would silently ignore (extra="ignore"): a typo is a setting never applied."""
    known = SERVER_ENV.union(*(env_names(settings) for settings in settings_classes(service)))
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


def route_for(objects: list[kube.Object], service_name: str) -> kube.Object:
    """The one HTTPRoute sending traffic to `service_name`."""
    (route,) = [route for route in kube.find(objects, "HTTPRoute") if service_name in backends(route)]
    return route


def backends(route: kube.Object) -> set[str]:
    return {ref["name"] for rule in route["spec"]["rules"] for ref in rule.get("backendRefs", [])}


def route_paths(objects: list[kube.Object], name: str | None = None) -> list[tuple[str, str, str, int]]:
    """(match type, path, Service, port) for every path every HTTPRoute (or the one called `name`) routes."""
    return [
        (match["path"]["type"], match["path"]["value"], ref["name"], ref["port"])
        for route in kube.find(objects, "HTTPRoute", name)
        for rule in route["spec"]["rules"]
        for match in rule["matches"]
        for ref in rule["backendRefs"]
    ]


def listener_of(objects: list[kube.Object], route: kube.Object) -> tuple[kube.Object, kube.Object]:
    """The Gateway and the listener the route attaches to (each route names its listener)."""
    (parent,) = route["spec"]["parentRefs"]
    (gateway,) = kube.find(objects, "Gateway", parent["name"])
    (listener,) = [item for item in gateway["spec"]["listeners"] if item["name"] == parent["sectionName"]]
    return gateway, listener


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
