"""Reading rendered Kubernetes objects: pod templates, containers' environment, label selectors, policies."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import kubernetes_validate

from tests.deploy_support import crd_schema

# The oldest Kubernetes the manifests must suit (CronJob timeZone, autoscaling/v2, policy/v1 are all older).
KUBERNETES_VERSION = "1.32"
SECRET_PLACEHOLDER = "placeholder-secret"
DATABASE_PLACEHOLDER = "postgresql://placeholder:placeholder@db.invalid:5432/placeholder"

Object = dict[str, Any]


def schema_problem(obj: Object) -> str | None:
    """Strict validation against the Kubernetes schemas shipped in kubernetes-validate, or for a custom resource
    (Gateway API, the controller's policies, CloudNativePG) against its schema in crd_schemas/: unknown fields
    fail, and so does a kind no schema knows (no warning passes silently)."""
    label = f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
    if (vendored := crd_schema.schema_path(str(obj.get("apiVersion", "")), str(obj.get("kind", "")))) is not None:
        found = crd_schema.problems(obj, vendored)
        return f"{label}: {'; '.join(found)}" if found else None
    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        path = ".".join(str(part) for part in error.path)
        return f"{label}: {path}: {error.message}"
    except (kubernetes_validate.SchemaNotFoundError, kubernetes_validate.InvalidSchemaError) as error:
        return f"{label}: {error.message}"
    return None


@dataclass(frozen=True)
class Workload:
    obj: Object
    pod: Object  # the pod template's spec
    labels: dict[str, str]

    @property
    def name(self) -> str:
        return f"{self.obj['kind']}/{self.obj['metadata']['name']}"

    def containers(self, *, init: bool = True) -> list[Object]:
        return (self.pod.get("initContainers", []) if init else []) + self.pod["containers"]


def workloads(objects: list[Object]) -> Iterator[Workload]:
    for obj in objects:
        kind = obj["kind"]
        if kind in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
            template = obj["spec"]["template"]
        elif kind == "CronJob":
            template = obj["spec"]["jobTemplate"]["spec"]["template"]
        else:
            continue
        yield Workload(obj, template["spec"], template.get("metadata", {}).get("labels", {}))


def find(objects: list[Object], kind: str, name: str | None = None) -> list[Object]:
    return [o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]


def selector_matches(selector: Object, labels: dict[str, str]) -> bool:
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        present = key in labels
        ok = {
            "In": present and labels.get(key) in values,
            "NotIn": not present or labels.get(key) not in values,
            "Exists": present,
            "DoesNotExist": not present,
        }[operator]
        if not ok:
            return False
    return True


def container_env(container: Object, objects: list[Object]) -> dict[str, str]:
    """The environment a container starts with; Secret values (never in the repository) become placeholders."""
    environment: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" not in source:
            raise AssertionError(f"{container['name']}: envFrom {source} hides its variable names from the checks")
        name = source["configMapRef"]["name"]
        (config_map,) = find(objects, "ConfigMap", name) or [None]
        if config_map is None:
            raise AssertionError(f"{container['name']}: envFrom names ConfigMap {name}, which is not rendered")
        environment.update(config_map.get("data", {}))
    for variable in container.get("env", []):
        if "value" in variable:
            environment[variable["name"]] = variable["value"]
        elif "secretKeyRef" in variable.get("valueFrom", {}):
            secret = DATABASE_PLACEHOLDER if variable["name"].endswith("DATABASE_URL") else SECRET_PLACEHOLDER
            environment[variable["name"]] = secret
        elif "configMapKeyRef" in variable.get("valueFrom", {}):
            ref = variable["valueFrom"]["configMapKeyRef"]
            environment[variable["name"]] = find(objects, "ConfigMap", ref["name"])[0]["data"][ref["key"]]
        else:
            environment[variable["name"]] = ""
    return environment


def policies_for(objects: list[Object], labels: dict[str, str]) -> list[Object]:
    return [p for p in find(objects, "NetworkPolicy") if selector_matches(p["spec"]["podSelector"], labels)]


def admits(policy: Object, *, pod_labels: dict[str, str] | None = None, other_namespace: bool = False) -> bool:
    """Whether the policy lets in a pod with `pod_labels` of this namespace, or (other_namespace) a controller
    from a namespace picked out by a namespaceSelector."""
    for rule in policy["spec"].get("ingress", []):
        for peer in rule.get("from", []):
            if other_namespace and "namespaceSelector" in peer:
                return True
            if (
                pod_labels is not None
                and "namespaceSelector" not in peer
                and "podSelector" in peer
                and selector_matches(peer["podSelector"], pod_labels)
            ):
                return True
    return False
