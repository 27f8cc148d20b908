"""Deployment files checked offline: the Kubernetes overlays (rendered with `kubectl kustomize`, validated strictly
against the Kubernetes schemas), docker-compose.yml (against the compose specification) and the Dockerfiles, and
all of them against the code: settings' environment variables, commands, factories, ports, probes and routes."""

from __future__ import annotations

import copy
import functools
import importlib
import importlib.util
import json
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml
from sqlalchemy.engine import make_url

from tests.deploy_support import kube
from tests.deploy_support.deployment import (
    api_workload,
    compose,
    compose_env,
    config_data,
    listener_of,
    rendered,
    route_for,
    route_paths,
    serves,
    serves_prefix,
    unknown_env,
)
from tests.deploy_support.dockerfile import Stage, parse
from tests.deploy_support.dockerignore import DockerIgnore
from tests.deploy_support.kustomize import DEPLOY, OVERLAYS, overlay_dir, render
from tests.deploy_support.services import (
    BY_NAME,
    PORT,
    ROOT,
    SERVICES,
    Service,
    command_problem,
    load_settings,
    service_for_image,
)

SERVICE_IDS = [service.name for service in SERVICES]


# ---------------------------------------------------------------------------------------------------------------
# Checks shared by Kubernetes and compose
# ---------------------------------------------------------------------------------------------------------------


@functools.cache
def cached_command_problem(service_name: str, command: tuple[str, ...]) -> str | None:
    return command_problem(BY_NAME[service_name], list(command))


def test_a_misspelled_variable_is_caught() -> None:
    report_it = BY_NAME["report-it"]
    assert unknown_env(report_it, ["REPORT_IT_DATABASE_URL", "REPORT_IT_AUTH__JWKS_URL"]) == []
    assert unknown_env(report_it, ["REPORT_IT_DATABSE_URL", "REPORT_IT_AUTH_JWKS_URL", "FOOTPRINTS_DATABASE_URL"]) == [
        "FOOTPRINTS_DATABASE_URL",
        "REPORT_IT_AUTH_JWKS_URL",
        "REPORT_IT_DATABSE_URL",
    ]


def test_a_command_the_cli_does_not_have_is_caught() -> None:
    assert cached_command_problem("report-it", ("report-it", "migrate")) is None
    assert "refused" in (cached_command_problem("report-it", ("report-it", "migrat")) or "")
    assert "not a console script" in (cached_command_problem("report-it", ("footprints", "migrate")) or "")


# ---------------------------------------------------------------------------------------------------------------
# Kubernetes
# ---------------------------------------------------------------------------------------------------------------


def test_overlays_are_staging_and_production_built_on_the_base() -> None:
    assert OVERLAYS == ["production", "staging"]
    for overlay in OVERLAYS:
        kustomization = yaml.safe_load((overlay_dir(overlay) / "kustomization.yaml").read_text())
        assert "../../base" in kustomization["resources"], f"{overlay} must build on the base, not copy it"
        for manifest in overlay_dir(overlay).glob("*.yaml"):
            kinds = {doc.get("kind") for doc in yaml.safe_load_all(manifest.read_text()) if doc}
            assert not kinds & {"Deployment", "CronJob", "Service"}, f"{manifest} copies objects of the base"


@pytest.mark.parametrize("overlay", ["base", *OVERLAYS])
def test_every_object_is_valid_kubernetes_in_strict_mode(overlay: str) -> None:
    objects = render(DEPLOY / "base") if overlay == "base" else rendered(overlay)
    assert objects
    problems = [problem for obj in objects if (problem := kube.schema_problem(obj))]
    assert problems == []


def test_strict_validation_rejects_unknown_fields_and_kinds() -> None:
    (deployment,) = kube.find(render(DEPLOY / "base"), "Deployment", "report-it")
    assert kube.schema_problem(deployment) is None
    misspelt = copy.deepcopy(deployment)
    misspelt["spec"]["template"]["spec"]["containers"][0]["livenessProbes"] = {}
    assert "livenessProbes" in (kube.schema_problem(misspelt) or "")
    assert kube.schema_problem({"apiVersion": "example.org/v1", "kind": "Widget", "metadata": {"name": "w"}})


@pytest.mark.parametrize("kind", ["Gateway", "HTTPRoute", "BackendTrafficPolicy", "ClientTrafficPolicy"])
def test_custom_resources_are_validated_strictly_against_their_crds(kind: str) -> None:
    """The Gateway API objects and the controller's policies meet the schemas of their published CRDs (vendored
    in tests/deploy_support/crd_schemas): a misspelt field, a wrong enum value or an unknown version fails."""
    obj = kube.find(rendered("production"), kind)[0]
    assert kube.schema_problem(obj) is None
    misspelt = copy.deepcopy(obj)
    misspelt["spec"]["tagretRefs"] = []
    assert "'tagretRefs' was unexpected" in (kube.schema_problem(misspelt) or "")
    in_metadata = copy.deepcopy(obj)
    in_metadata["metadata"]["labells"] = {}
    assert "labells" in (kube.schema_problem(in_metadata) or "")
    unknown_version = {**copy.deepcopy(obj), "apiVersion": obj["apiVersion"].rpartition("/")[0] + "/v9"}
    assert "no schema vendored" in (kube.schema_problem(unknown_version) or "")
    if kind == "HTTPRoute":
        wrong = copy.deepcopy(obj)
        wrong["spec"]["rules"][0]["matches"][0]["path"]["type"] = "Prefix"  # the Ingress's word, not the route's
        assert "Prefix" in (kube.schema_problem(wrong) or "")


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES, ids=SERVICE_IDS)
def test_each_service_has_its_deployment_service_autoscaler_budget_and_policy(overlay: str, service: Service) -> None:
    objects = rendered(overlay)
    api = api_workload(objects, service)
    for kind in ("ServiceAccount", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"):
        assert kube.find(objects, kind, service.name), f"{overlay}: no {kind} for {service.name}"
    assert api.pod["serviceAccountName"] == service.name

    (svc,) = kube.find(objects, "Service", service.name)
    assert kube.selector_matches({"matchLabels": svc["spec"]["selector"]}, api.labels)
    assert [(p["port"], p["targetPort"]) for p in svc["spec"]["ports"]] == [(PORT, "http")]
    # The Service sends traffic to API pods only, never to a worker of the same service.
    for other in kube.workloads(objects):
        if other.obj is not api.obj:
            assert not kube.selector_matches({"matchLabels": svc["spec"]["selector"]}, other.labels), other.name

    (hpa,) = kube.find(objects, "HorizontalPodAutoscaler", service.name)
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": service.name}
    assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    assert "replicas" not in api.obj["spec"], "the autoscaler owns the replica count"
    if overlay == "production":
        assert hpa["spec"]["minReplicas"] >= 2, "production keeps two pods, so a node can drain"

    (pdb,) = kube.find(objects, "PodDisruptionBudget", service.name)
    assert kube.selector_matches(pdb["spec"]["selector"], api.labels)
    assert kube.policies_for(objects, api.labels), f"no NetworkPolicy selects {service.name}'s pods"


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES, ids=SERVICE_IDS)
def test_probes_ports_image_and_migrations_agree_with_the_code(overlay: str, service: Service) -> None:
    api = api_workload(rendered(overlay), service)
    (container,) = api.pod["containers"]
    assert service_for_image(container["image"]) == service
    assert "command" not in container and "args" not in container, "the API runs the image's own CMD"
    assert container["ports"] == [{"name": "http", "containerPort": PORT}]
    for probe, path in (("startupProbe", "/healthz"), ("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        assert container[probe]["httpGet"] == {"path": path, "port": "http"}, probe
        assert serves(service.name, path), f"{service.name} does not serve {path}"


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES, ids=SERVICE_IDS)
def test_each_release_migrates_once_in_a_job_of_its_own(overlay: str, service: Service) -> None:
    """One migration Job per service and release, named after the image tag it runs, so the next tag is a new Job;
    no pod migrates on its own start (readiness holds a pod back until the schema fits its code)."""
    objects = rendered(overlay)
    (container,) = api_workload(objects, service).pod["containers"]
    jobs = [
        workload
        for workload in kube.workloads(objects)
        if workload.obj["kind"] == "Job" and service_for_image(workload.pod["containers"][0]["image"]) == service
    ]
    assert len(jobs) == 1, f"{overlay}: {service.name} has {len(jobs)} migration Jobs"
    (job,) = jobs
    (migrate,) = job.pod["containers"]
    assert migrate["image"] == container["image"], "the Job migrates to the schema of the release it rolls out"
    assert migrate["command"][-1] == "migrate"
    assert cached_command_problem(service.name, tuple(migrate["command"])) is None
    tag = container["image"].rpartition(":")[2]
    assert job.obj["metadata"]["name"] == f"{service.name}-migrate-{tag}", "each release runs a Job of its own"
    for labels in (job.labels, job.obj["metadata"]["labels"]):
        assert labels["app.kubernetes.io/component"] == "migrate", "what the two-step apply selects"
    spec = job.obj["spec"]
    assert 1 <= spec["backoffLimit"] <= 6, "a few retries (the database may be failing over), then a visible failure"
    assert spec["ttlSecondsAfterFinished"] > 0 and spec["activeDeadlineSeconds"] > 0
    assert job.pod["restartPolicy"] == "Never"
    # It needs the settings' ConfigMap, which carries the label the two-step apply in deploy/README.md selects.
    (config_map,) = [ref["configMapRef"]["name"] for ref in migrate["envFrom"]]
    assert kube.find(objects, "ConfigMap", config_map)[0]["metadata"]["labels"]["app.kubernetes.io/component"] == (
        "config"
    )


@pytest.mark.parametrize("overlay", ["base", *OVERLAYS])
def test_no_pod_runs_migrations_as_an_init_container(overlay: str) -> None:
    objects = render(DEPLOY / "base") if overlay == "base" else rendered(overlay)
    for workload in kube.workloads(objects):
        assert "initContainers" not in workload.pod, f"{overlay} {workload.name}: the release's Job migrates"
        for container in workload.containers():
            if container.get("command", [])[-1:] == ["migrate"]:
                assert workload.obj["kind"] == "Job", f"{workload.name} migrates"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_runs_a_known_image_and_command(overlay: str) -> None:
    for workload in kube.workloads(rendered(overlay)):
        for container in workload.containers():
            service = service_for_image(container["image"])
            assert service is not None, f"{workload.name}: {container['image']} is not one of the services' images"
            tag = container["image"].rpartition(":")[2]
            assert ":" in container["image"] and tag not in ("", "latest"), f"{workload.name}: pin an image tag"
            if "command" in container:
                assert cached_command_problem(service.name, tuple(container["command"])) is None


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_delivery_worker_has_a_liveness_probe_on_its_heartbeat(overlay: str) -> None:
    workers = [
        (workload, container)
        for workload in kube.workloads(rendered(overlay))
        for container in workload.containers()
        if container.get("command", [])[1:] == ["worker"]
    ]
    assert {container["command"][0] for _, container in workers} == {"report-it", "footprints"}
    for workload, container in workers:
        probe = container.get("livenessProbe", {}).get("exec", {}).get("command", [])
        assert probe[:2] == [container["command"][0], "worker-alive"], f"{workload.name}: no worker-alive probe"
        assert cached_command_problem(service_for_image(container["image"]).name, tuple(probe)) is None  # type: ignore[union-attr]
        env = {item["name"]: item.get("value") for item in container.get("env", [])}
        (path,) = [value for name, value in env.items() if name.endswith("_WORKER_HEARTBEAT_PATH")]
        mounts = [mount["mountPath"] for mount in container.get("volumeMounts", [])]
        assert any(path.startswith(f"{mount}/") for mount in mounts), f"{workload.name}: heartbeat on a read-only root"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pods_are_hardened_and_bounded(overlay: str) -> None:
    uids = {dockerfile_user(service)[0] for service in SERVICES}
    for workload in kube.workloads(rendered(overlay)):
        pod = workload.pod
        context = pod["securityContext"]
        assert context["runAsNonRoot"] is True, workload.name
        assert context["runAsUser"] in uids and context["runAsUser"] != 0, workload.name
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}, workload.name
        assert pod["automountServiceAccountToken"] is False, workload.name
        for container in workload.containers():
            where = f"{workload.name}/{container['name']}"
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["capabilities"] == {"drop": ["ALL"]}, where
            assert security.get("privileged") is not True, where
            for bound in ("requests", "limits"):
                assert set(container["resources"][bound]) >= {"cpu", "memory"}, f"{where}: {bound}"
            # A read-only root filesystem needs somewhere writable for temporary files.
            assert {"name": "tmp", "mountPath": "/tmp"} in container.get("volumeMounts", []), where


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_environment_variables_are_the_services_settings_and_load(overlay: str) -> None:
    objects = rendered(overlay)
    for workload in kube.workloads(objects):
        for container in workload.containers():
            service = service_for_image(container["image"])
            assert service is not None
            environment = kube.container_env(container, objects)
            where = f"{overlay} {workload.name}/{container['name']}"
            assert unknown_env(service, environment) == [], f"{where}: not settings of {service.name}"
            # The values parse, and production's own rules (a JWKS URL, no dev key) hold.
            settings = load_settings(service, environment)
            assert settings.environment == "production", where
            # The address is a setting; the password is only ever the Secret's (libpq reads PGPASSWORD).
            assert make_url(settings.database_url).password is None, f"{where}: a password in the database URL"
            assert environment.get("PGPASSWORD") == kube.SECRET_PLACEHOLDER, f"{where}: the password is a Secret"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_peer_addresses_are_services_and_their_policies_let_the_callers_in(overlay: str) -> None:
    objects = rendered(overlay)
    services = {svc["metadata"]["name"]: svc for svc in kube.find(objects, "Service")}
    calls = 0
    for workload in kube.workloads(objects):
        for container in workload.containers(init=False):
            for name, value in kube.container_env(container, objects).items():
                if not name.endswith("_URL") or not value.startswith("http://"):
                    continue
                address = urlsplit(value)
                assert address.hostname in services, f"{workload.name}: {name}={value} names no Service"
                assert address.port == PORT, f"{name}={value}"
                target = api_workload(objects, BY_NAME[address.hostname])
                policies = kube.policies_for(objects, target.labels)
                assert any(kube.admits(p, pod_labels=workload.labels) for p in policies), (
                    f"{workload.name} calls {address.hostname} ({name}) but no NetworkPolicy lets it in"
                )
                calls += 1
    assert calls >= 3, "the services' peer URLs are configured"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_deny_by_default_and_only_the_gateway_reaches_public_apis(overlay: str) -> None:
    objects = rendered(overlay)
    everyone = [p for p in kube.find(objects, "NetworkPolicy") if p["spec"]["podSelector"] == {}]
    deny = [p for p in everyone if "Ingress" in p["spec"]["policyTypes"]]
    assert deny and all("ingress" not in p["spec"] for p in deny)
    for policy in kube.find(objects, "NetworkPolicy"):
        for rule in policy["spec"].get("ingress", []):
            assert rule.get("from"), f"{policy['metadata']['name']} lets in anyone"
            assert all(peer not in ({}, {"podSelector": {}}) for peer in rule["from"]), policy["metadata"]["name"]
    public = {service for _type, _path, service, _port in route_paths(objects)}
    for name in public:
        policies = kube.policies_for(objects, api_workload(objects, BY_NAME[name]).labels)
        assert any(kube.admits(p, other_namespace=True) for p in policies), f"the Gateway cannot reach {name}"
    # Nothing else is let in from outside the namespace: not the workers, not the scheduled jobs.
    for workload in kube.workloads(objects):
        if any(kube.admits(p, other_namespace=True) for p in kube.policies_for(objects, workload.labels)):
            assert workload.obj["kind"] == "Deployment" and workload.obj["metadata"]["name"] in public, workload.name


# What the ingress-nginx Ingresses routed (deal-digital, footprints, volunteering) before the move to the Gateway
# API: each (Service, path prefix), every one still routed, nothing more exposed.
INGRESS_ROUTES = {
    ("report-it", "/open311"),
    ("report-it", "/v1"),
    ("report-it", "/app"),
    ("footprints", "/v1"),
    ("volunteering", "/v1"),
}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_routes_cover_every_path_the_ingress_did_and_the_services_serve_them(overlay: str) -> None:
    objects = rendered(overlay)
    paths = route_paths(objects)
    assert {(service, path) for _type, path, service, _port in paths} == INGRESS_ROUTES
    services = {svc["metadata"]["name"]: svc for svc in kube.find(objects, "Service")}
    for match_type, path, service, port in paths:
        assert match_type == "PathPrefix", f"{path}: a prefix, as the Ingress's pathType: Prefix was"
        assert port in [p["port"] for p in services[service]["spec"]["ports"]], f"{service} has no port {port}"
        assert serves_prefix(service, path), f"{service} serves nothing under {path}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_gateway_listens_on_https_only_with_each_hosts_certificate(overlay: str) -> None:
    objects = rendered(overlay)
    (gateway,) = kube.find(objects, "Gateway")
    (base_gateway,) = kube.find(render(DEPLOY / "base"), "Gateway")
    assert gateway["spec"]["gatewayClassName"] != base_gateway["spec"]["gatewayClassName"], (
        f"{overlay} names the council's GatewayClass"
    )
    listeners = gateway["spec"]["listeners"]
    for listener in listeners:
        where = f"{overlay} listener {listener['name']}"
        assert (listener["protocol"], listener["port"]) == ("HTTPS", 443), where
        assert listener["tls"]["mode"] == "Terminate", where
        (certificate,) = listener["tls"]["certificateRefs"]
        assert certificate.get("kind", "Secret") == "Secret" and certificate["name"].endswith("-tls"), where
        assert not listener["hostname"].endswith(".invalid"), f"{where}: the overlay sets the host name"
    assert len({listener["hostname"] for listener in listeners}) == len(listeners) == 3, "one host per API"
    # Each route attaches to the listener for its own host, so it is served with that host's certificate.
    for route in kube.find(objects, "HTTPRoute"):
        route_gateway, listener = listener_of(objects, route)
        assert route_gateway is gateway
        assert route["spec"]["hostnames"] == [listener["hostname"]], route["metadata"]["name"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_report_its_host_routes_open311_the_api_and_the_app(overlay: str) -> None:
    objects = rendered(overlay)
    route = route_for(objects, "report-it")
    (host,) = route["spec"]["hostnames"]
    assert {path for _type, path, _service, _port in route_paths(objects, route["metadata"]["name"])} == {
        "/open311",
        "/v1",
        "/app",
    }
    assert config_data(objects, "report-it")["REPORT_IT_PUBLIC_BASE_URL"] == f"https://{host}"


QUANTITY = {"": 1, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 10**3, "M": 10**6, "G": 10**9}


def quantity_bytes(value: str) -> int:
    """A Kubernetes quantity ("100Mi") in bytes."""
    match = re.fullmatch(r"(\d+)([A-Za-z]*)", value)
    assert match is not None and match.group(2) in QUANTITY, f"not a quantity of bytes: {value!r}"
    return int(match.group(1)) * QUANTITY[match.group(2)]


def policies_targeting(objects: list[kube.Object], kind: str, target: kube.Object) -> list[kube.Object]:
    return [
        policy
        for policy in kube.find(objects, kind)
        if any(
            (ref["group"], ref["kind"], ref["name"])
            == ("gateway.networking.k8s.io", target["kind"], target["metadata"]["name"])
            for ref in policy["spec"]["targetRefs"]
        )
    ]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_public_host_limits_each_client_and_the_body_size(overlay: str) -> None:
    """Envoy Gateway's policies (deploy/components/envoy-gateway): every route limits requests per client address
    (IPv4 and IPv6, each address on its own) and the size of a request; the Gateway finds the client's address."""
    objects = rendered(overlay)
    (gateway,) = kube.find(objects, "Gateway")
    (client_traffic,) = policies_targeting(objects, "ClientTrafficPolicy", gateway)
    detection = client_traffic["spec"].get("clientIPDetection", {})
    assert detection.get("xForwardedFor") or client_traffic["spec"].get("proxyProtocol") is not None, (
        "without the client's real address a per-client limit is one limit for everyone"
    )
    for route in kube.find(objects, "HTTPRoute"):
        name = route["metadata"]["name"]
        (policy,) = policies_targeting(objects, "BackendTrafficPolicy", route)
        rules = policy["spec"]["rateLimit"]["global"]["rules"]
        per_client = {}
        for rule in rules:
            (selector,) = rule["clientSelectors"]
            assert selector["sourceCIDR"]["type"] == "Distinct", f"{name}: each address counted on its own"
            per_client.setdefault(selector["sourceCIDR"]["value"], []).append(rule["limit"])
        assert set(per_client) == {"0.0.0.0/0", "::/0"}, f"{name}: every client address"
        for limits in per_client.values():
            per_second = {limit["unit"]: limit["requests"] for limit in limits}
            assert 0 < per_second["Minute"] / 60 <= per_second["Second"] <= 100, f"{name}: {limits}"
        limit = quantity_bytes(policy["spec"]["requestBuffer"]["limit"])
        if route_for(objects, "report-it") is route:
            assert limit >= 6 * 15 * 10**6, "six photos of 15 MB fit in one report"
        else:
            assert limit <= 2**20, f"{name} takes JSON only"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_background_work_runs_as_its_own_workloads(overlay: str) -> None:
    objects = rendered(overlay)
    commands = {
        tuple(container.get("command", [])): workload.obj["kind"]
        for workload in kube.workloads(objects)
        for container in workload.containers(init=False)
    }
    assert commands.get(("report-it", "worker")) == "Deployment"
    assert commands.get(("report-it", "anonymise")) == "CronJob"
    assert commands.get(("footprints", "worker")) == "Deployment"
    assert commands.get(("footprints", "rebalance")) == "CronJob"
    assert config_data(objects, "report-it")["REPORT_IT_RUN_DELIVERER"] == "false", "the worker delivers"
    assert config_data(objects, "footprints")["FOOTPRINTS_DELIVER_IN_PROCESS"] == "false", "the worker delivers"
    for cron_job in kube.find(objects, "CronJob"):
        assert cron_job["spec"]["concurrencyPolicy"] == "Forbid", "one run at a time"


def test_no_secret_is_committed() -> None:
    for overlay in ["base", *OVERLAYS]:
        objects = render(DEPLOY / "base") if overlay == "base" else rendered(overlay)
        assert kube.find(objects, "Secret") == [], f"{overlay} renders a Secret: create it in the cluster instead"
    for path in DEPLOY.rglob("*.yaml"):
        assert "kind: Secret" not in path.read_text(), path


def test_production_and_staging_differ_where_they_should() -> None:
    staging, production = rendered("staging"), rendered("production")
    namespace = {o["metadata"].get("namespace") for o in staging}, {o["metadata"].get("namespace") for o in production}
    assert namespace[0] != namespace[1]
    for objects in (staging, production):
        (ns,) = kube.find(objects, "Namespace")
        assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"

    def report_it_max(objects: list[kube.Object]) -> int:
        return kube.find(objects, "HorizontalPodAutoscaler", "report-it")[0]["spec"]["maxReplicas"]

    assert report_it_max(production) > report_it_max(staging)


# ---------------------------------------------------------------------------------------------------------------
# docker-compose.yml
# ---------------------------------------------------------------------------------------------------------------


def compose_schema() -> dict[str, Any]:
    """The compose specification's JSON schema, as vendored by check-jsonschema (no network needed)."""
    schema = resources.files("check_jsonschema") / "builtin_schemas" / "vendor" / "compose-spec.json"
    return json.loads(schema.read_text())


def compose_errors(document: dict[str, Any]) -> list[str]:
    schema = compose_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def test_compose_file_follows_the_compose_specification() -> None:
    assert compose_errors(compose()) == []
    broken = copy.deepcopy(compose())
    broken["services"]["report-it"]["helthcheck"] = broken["services"]["report-it"].pop("healthcheck")
    assert compose_errors(broken), "the schema check must be able to fail"


def compose_service_of(definition: dict[str, Any]) -> Service | None:
    return service_for_image(definition.get("image", ""))


@pytest.mark.parametrize("service", SERVICES, ids=SERVICE_IDS)
def test_compose_runs_each_service_as_the_code_expects(service: Service) -> None:
    services = compose()["services"]
    definition = services[service.name]
    assert compose_service_of(definition) == service
    assert definition["build"] == {
        "context": ".",
        "dockerfile": str(service.dockerfile.relative_to(ROOT)),
        "args": {"PYTHON_BASE": "${PYTHON_BASE:?the base image by digest, e.g. the one make images built}"},
    }, "the base comes by digest from the environment, as the container file requires"
    assert "command" not in definition, "the API runs the image's own CMD, as in Kubernetes"
    assert [int(str(port).rsplit(":", 1)[1]) for port in definition["ports"]] == [PORT]
    healthcheck = " ".join(definition["healthcheck"]["test"])
    assert f"http://127.0.0.1:{PORT}/readyz" in healthcheck and serves(service.name, "/readyz")

    environment = compose_env(definition)
    assert unknown_env(service, environment) == []
    settings = load_settings(service, environment)
    assert urlsplit(settings.database_url.replace("postgresql", "http", 1)).hostname == "db"

    # Migrations (and demo data, as `make run`) before the service starts; the database is up before that.
    depends = definition["depends_on"]
    assert depends["db"]["condition"] == "service_healthy"
    setup = services[f"{service.name}-setup"]
    assert depends[f"{service.name}-setup"]["condition"] == "service_completed_successfully"
    assert compose_service_of(setup) == service and setup["build"] == definition["build"]
    assert unknown_env(service, compose_env(setup)) == []
    assert compose_env(setup)[f"{service.env_prefix}DATABASE_URL"] == environment[f"{service.env_prefix}DATABASE_URL"]
    assert cached_command_problem(service.name, tuple(setup["command"])) is None


def test_compose_publishes_the_ports_make_run_uses() -> None:
    """`docker compose up` and `make run` answer on the same local addresses."""
    spec = importlib.util.spec_from_file_location("make_run", ROOT / "scripts" / "run.py")
    assert spec is not None and spec.loader is not None
    make_run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_run)
    for package, _prefix, port in make_run.SERVICES:
        service = next(s for s in SERVICES if s.package == package)
        assert interpolate(compose()["services"][service.name]["ports"], {}) == [f"{port}:{PORT}"], service.name


def interpolate(ports: list[str], environment: dict[str, str]) -> list[str]:
    """Compose's `${NAME:-default}`, as `docker compose` resolves it."""
    pattern = re.compile(r"\$\{(\w+):-([^}]*)\}")
    return [pattern.sub(lambda m: environment.get(m.group(1)) or m.group(2), str(port)) for port in ports]


@pytest.mark.parametrize("service", SERVICES, ids=SERVICE_IDS)
def test_compose_scales_each_service(service: Service) -> None:
    """`docker compose up --scale <service>=N`: no fixed container name, and the host port is a variable that takes a
    range (one port per replica); unset, it is the port `make run` uses."""
    definition = compose()["services"][service.name]
    assert "container_name" not in definition
    (published,) = definition["ports"]
    variable = f"{service.env_prefix}PORTS"
    assert published.startswith(f"${{{variable}:-"), f"{service.name}: a fixed host port cannot scale"
    scaled = copy.deepcopy(compose())
    scaled["services"][service.name]["ports"] = interpolate([published], {variable: "8011-8014"})
    assert scaled["services"][service.name]["ports"] == [f"8011-8014:{PORT}"]
    assert compose_errors(scaled) == []
    # Peers reach it by its service name (compose's DNS answers with every replica), never by a container's name.
    for other in compose()["services"].values():
        for value in compose_env(other).values():
            assert f"deal-digital-{service.name}-1" not in value


def test_compose_one_shot_commands_are_real_commands() -> None:
    for name, definition in compose()["services"].items():
        service = compose_service_of(definition)
        if service is not None and "command" in definition:
            assert cached_command_problem(service.name, tuple(definition["command"])) is None, name


def test_compose_addresses_dependencies_and_databases_line_up() -> None:
    services = compose()["services"]
    declared_volumes = set(compose().get("volumes", {}))
    for name, definition in services.items():
        for dependency in definition.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown {dependency}"
        for volume in definition.get("volumes", []):
            source = volume.split(":", 1)[0]
            assert source in declared_volumes or (ROOT / source).exists(), f"{name}: {volume}"
        service = compose_service_of(definition)
        for variable, value in compose_env(definition).items():
            if variable.endswith("_URL") and value.startswith("http://") and "localhost" not in value:
                address = urlsplit(value)
                assert address.hostname in services and address.port == PORT, f"{name}: {variable}={value}"
        if service is not None and f"{service.env_prefix}SMTP_HOST" in compose_env(definition):
            assert compose_env(definition)[f"{service.env_prefix}SMTP_HOST"] in services, "the SMTP catcher"
    assert_no_cycle({name: set(d.get("depends_on", {})) for name, d in services.items()})

    # Each service's database and role are created by the init script the database container runs.
    init_sql = (ROOT / "deploy" / "compose" / "initdb.sql").read_text()
    for service in SERVICES:
        url = urlsplit(compose_env(services[service.name])[f"{service.env_prefix}DATABASE_URL"])
        assert re.search(rf"CREATE ROLE {url.username} LOGIN PASSWORD '{url.password}';", init_sql)
        assert f"CREATE DATABASE {url.path.lstrip('/')} OWNER {url.username};" in init_sql


def assert_no_cycle(graph: dict[str, set[str]]) -> None:
    done: set[str] = set()

    def visit(node: str, trail: tuple[str, ...]) -> None:
        assert node not in trail, f"depends_on cycle: {' -> '.join((*trail, node))}"
        if node not in done:
            for dependency in graph.get(node, set()):
                visit(dependency, (*trail, node))
            done.add(node)

    for node in graph:
        visit(node, ())


def test_compose_and_kubernetes_use_the_same_peer_addresses() -> None:
    objects = rendered("production")
    compared = 0
    for service in SERVICES:
        in_compose = compose_env(compose()["services"][service.name])
        container = api_workload(objects, service).pod["containers"][0]
        in_kubernetes = kube.container_env(container, objects)
        peers = {n for n in in_kubernetes if n.endswith("_URL") and in_kubernetes[n].startswith("http://")}
        for name in peers:
            assert in_compose.get(name) == in_kubernetes[name], f"{name} differs between compose and Kubernetes"
        compared += len(peers)
    assert compared >= 3


# ---------------------------------------------------------------------------------------------------------------
# Dockerfiles
# ---------------------------------------------------------------------------------------------------------------

BUILD_TOOLS = re.compile(r"\b(gcc|g\+\+|clang|make|cmake|build-essential|[\w.+-]+-dev|git)\b")


def dockerfile_user(service: Service) -> tuple[int, int]:
    final = parse(service.dockerfile)[-1]
    (user,) = final.all("USER")
    uid, _, gid = user.arguments.partition(":")
    assert uid.isdigit() and gid.isdigit(), "a numeric user, so Kubernetes can check runAsNonRoot"
    return int(uid), int(gid)


@functools.cache
def uvicorn_options() -> frozenset[str]:
    """The options the installed uvicorn accepts, from its own --help."""
    result = subprocess.run(
        [str(Path(sys.executable).with_name("uvicorn")), "--help"], capture_output=True, text=True, check=True
    )
    return frozenset(re.findall(r"--[a-z][a-z0-9-]*", result.stdout))


def copies_code(stage: Stage, service: Service) -> list[int]:
    code = {"shared", f"services/{service.package}"}
    return [stage.index_of(i) for i in stage.all("COPY") if set(i.words()[:-1]) & code]


@pytest.mark.parametrize("service", SERVICES, ids=SERVICE_IDS)
def test_dockerfile_follows_the_house_rules(service: Service) -> None:
    stages = parse(service.dockerfile)
    assert len(stages) >= 2, "a build stage and a final stage"
    for stage in stages:
        assert stage.base == "${PYTHON_BASE}", f"{stage.base}: the base is the build argument, named by digest"
    build, final = stages[0], stages[-1]

    # Dependencies in a layer of their own, before the code: only pyproject files (and the helper) come first.
    installs = [i for i in build.all("RUN") if "pip install" in i.arguments]
    dependency_layer = build.index_of(installs[0])
    assert "--requirement" in installs[0].arguments or " -r " in installs[0].arguments
    code_copies = copies_code(build, service)
    assert code_copies and dependency_layer < min(code_copies), "dependencies are installed before the code is copied"
    for copy_instruction in build.instructions[:dependency_layer]:
        if copy_instruction.keyword == "COPY":
            sources = copy_instruction.words()[:-1]
            allowed = ("pyproject.toml", "requirements.lock")
            assert all(s.endswith(allowed) or s.startswith("deploy/docker/") for s in sources), sources

    # The final stage installs nothing and compiles nothing; it only takes what the build stage made.
    for run in final.all("RUN"):
        assert "pip install" not in run.arguments and "apt-get install" not in run.arguments, run.arguments
        assert not BUILD_TOOLS.search(run.arguments.replace("setuptools", "")), run.arguments
    assert any("pip uninstall" in run.arguments for run in build.all("RUN")), "the installer is removed"
    assert all("--from=" in c.arguments for c in final.all("COPY")), "the final stage copies from the build only"

    uid, _ = dockerfile_user(service)
    assert uid != 0
    user_at = final.index_of(final.all("USER")[0])
    assert all(final.index_of(run) < user_at for run in final.all("RUN")), "nothing runs as root after USER"

    # Configuration only through the environment at run time.
    for env in build.all("ENV") + final.all("ENV"):
        assert service.env_prefix not in env.arguments, env.arguments
        assert not re.search(r"SECRET|PASSWORD|TOKEN", env.arguments), env.arguments

    (cmd,) = final.all("CMD")
    argv = cmd.exec_form()
    assert argv is not None, "CMD in exec form, so uvicorn gets the signals"
    assert argv[:3] == ["uvicorn", "--factory", service.factory]
    assert argv[argv.index("--port") + 1] == str(PORT) and argv[argv.index("--host") + 1] == "0.0.0.0"
    module, _, function = service.factory.partition(":")
    assert callable(getattr(importlib.import_module(module), function))
    unknown = [flag for flag in argv if flag.startswith("--") and flag not in uvicorn_options()]
    assert unknown == [], f"uvicorn has no {unknown}"
    assert [e.arguments for e in final.all("EXPOSE")] == [str(PORT)]


def test_dockerfile_rules_catch_a_bad_final_stage(tmp_path: Path) -> None:
    text = (
        BY_NAME["volunteering"]
        .dockerfile.read_text()
        .replace("FROM ${PYTHON_BASE}\n", "FROM ${PYTHON_BASE}\nRUN apt-get install -y gcc\n")
    )
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(text)
    final = parse(dockerfile)[-1]
    assert any(BUILD_TOOLS.search(run.arguments) for run in final.all("RUN"))


def test_dockerignore_sends_the_code_and_keeps_local_state_out() -> None:
    ignore = DockerIgnore(ROOT / ".dockerignore")
    for local in (".venv/bin/python", "var/report_it.db", "var/dev-signing-key.json", ".git/HEAD"):
        assert ignore.excluded(local), local
    for service in SERVICES:
        assert ignore.excluded(f"services/{service.package}/tests/test_x.py")
        for needed in ("alembic.ini", f"src/{service.package}/main.py", "migrations/env.py"):
            assert not ignore.excluded(f"services/{service.package}/{needed}"), needed
        for stage in parse(service.dockerfile):
            for copy_instruction in stage.all("COPY"):
                if "--from=" in copy_instruction.arguments:
                    continue
                for source in copy_instruction.words()[:-1]:
                    assert (ROOT / source).exists(), f"{service.dockerfile}: COPY {source} does not exist"
                    assert not ignore.excluded(source), f"{source} is left out of the build context"


def test_dependency_layer_lists_third_party_requirements_only() -> None:
    helper = load_requirements_helper()
    found = helper.requirements([str(ROOT / "shared"), f"{ROOT / 'services' / 'report_it'}[s3]"])
    names = {helper.requirement_name(requirement) for requirement in found}
    assert "deal-shared" not in names and "report-it" not in names
    assert {"fastapi", "uvicorn", "alembic", "psycopg", "boto3"} <= names
    without_extra = helper.requirements([str(ROOT / "shared"), str(ROOT / "services" / "report_it")])
    assert "boto3" not in {helper.requirement_name(r) for r in without_extra}


def load_requirements_helper() -> Any:
    """deploy/docker/ is not a package: load the helper the images run, from its file."""
    path = DEPLOY / "docker" / "pyproject_requirements.py"
    spec = importlib.util.spec_from_file_location("pyproject_requirements", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _secret_keys_read(objects: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """Every (Secret, key) an object reads: env secretKeyRefs, the ObjectStore's credentials, the database roles'
    passwords (a basic-auth Secret: username and password)."""
    found: set[tuple[str, str]] = set()

    def walk(node: Any, field: str) -> None:
        if isinstance(node, dict):
            if field == "passwordSecret" and "name" in node:
                found.update({(node["name"], "username"), (node["name"], "password")})
            elif field not in ("configMapKeyRef",) and {"name", "key"} <= set(node) and isinstance(node["key"], str):
                found.add((node["name"], node["key"]))
            for key, value in node.items():
                walk(value, key)
        elif isinstance(node, list):
            for item in node:
                walk(item, field)

    for obj in objects:
        if obj["kind"] != "ExternalSecret":
            walk(obj, obj["kind"])
    return found


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_secret_the_platform_reads_comes_from_the_councils_store(overlay: str) -> None:
    objects = rendered(overlay)
    synced = {
        (external["spec"]["target"]["name"], item["secretKey"])
        for external in kube.find(objects, "ExternalSecret")
        for item in external["spec"].get("data", [])
    }
    needed = _secret_keys_read(objects)
    assert needed and needed <= synced, f"read but not synced: {sorted(needed - synced)}"
    for external in kube.find(objects, "ExternalSecret"):
        assert kube.schema_problem(external) is None
        assert external["spec"]["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": "council-secrets"}
    # The database roles' Secrets are basic-auth, and a changed password reaches the role (cnpg.io/reload).
    for name in {name for name, key in needed if key == "username"}:
        (external,) = [e for e in kube.find(objects, "ExternalSecret") if e["spec"]["target"]["name"] == name]
        template = external["spec"]["target"]["template"]
        assert template["type"] == "kubernetes.io/basic-auth" and template["metadata"]["labels"]["cnpg.io/reload"]
