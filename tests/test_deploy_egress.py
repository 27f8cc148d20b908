"""Egress, checked both ways on the rendered overlays: every address a pod is configured to call (its settings' URLs
and hosts, the database, the mail relay, the photo bucket, webhooks; PostgreSQL's own pods: replication, the
Kubernetes API, the backups' object store) is let out by a NetworkPolicy, and nothing else is."""

from __future__ import annotations

import copy
import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from tests.deploy_support import kube
from tests.deploy_support.deployment import rendered
from tests.deploy_support.kustomize import OVERLAYS
from tests.deploy_support.services import service_for_image

# Stand-ins for addresses no label names: one outside the cluster, and the API server's (the cluster's own range).
OUTSIDE = [ipaddress.ip_address("203.0.113.10"), ipaddress.ip_address("2001:db8::10")]
API_SERVER = [ipaddress.ip_address("10.96.0.1"), ipaddress.ip_address("fd00:10:96::1")]
PRIVATE = [ipaddress.ip_address(a) for a in ("10.1.2.3", "172.20.0.5", "192.168.1.1", "169.254.169.254")]
DEFAULT_PORTS = {"http": 80, "https": 443, "postgresql": 5432}
# Settings whose URLs are handed to browsers and phones, not called by the pod itself.
NOT_CALLED = ("_PUBLIC_BASE_URL", "_APP_FOOTPRINTS_URL", "_APP_VOLUNTEERING_URL", "_APP_SIGN_IN_ISSUER")


@dataclass(frozen=True)
class Destination:
    what: str  # for messages: the setting or the reason
    port: int
    protocol: str = "TCP"
    pod_labels: tuple[tuple[str, str], ...] = ()  # a pod of this namespace
    namespace: str | None = None  # a pod of another namespace (with pod_labels)
    addresses: tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, ...] = ()  # no pod: these addresses


@dataclass(frozen=True)
class Pod:
    name: str
    labels: dict[str, str]
    needs: list[Destination]


def pods_of_service(objects: list[kube.Object], host: str) -> dict[str, str] | None:
    """The labels of the pods a name in this namespace reaches: a rendered Service, the pooler, the database."""
    for service in kube.find(objects, "Service", host):
        for workload in kube.workloads(objects):
            if kube.selector_matches({"matchLabels": service["spec"]["selector"]}, workload.labels):
                return workload.labels
    for pooler in kube.find(objects, "Pooler", host):
        return {"cnpg.io/poolerName": pooler["metadata"]["name"]}
    for cluster in kube.find(objects, "Cluster"):
        if host in {f"{cluster['metadata']['name']}-{kind}" for kind in ("rw", "ro", "r")}:
            return {"cnpg.io/cluster": cluster["metadata"]["name"], "cnpg.io/podRole": "instance"}
    return None


def destination(objects: list[kube.Object], what: str, host: str, port: int) -> Destination:
    labels = pods_of_service(objects, host)
    if labels is not None:
        return Destination(what, port, pod_labels=tuple(sorted(labels.items())))
    if "." not in host:
        # A Service the council runs in the namespace (the mail relay): its pods carry its name.
        return Destination(what, port, pod_labels=(("app.kubernetes.io/name", host),))
    if host.endswith((".svc", ".cluster.local")):
        raise AssertionError(f"{what}: {host} is in another namespace; give the check its labels")
    return Destination(what, port, addresses=tuple(OUTSIDE))


def container_needs(objects: list[kube.Object], container: kube.Object) -> list[Destination]:
    environment = kube.container_env(container, objects)
    service = service_for_image(container["image"])
    assert service is not None
    prefix = service.env_prefix
    database = urlsplit(environment[f"{prefix}DATABASE_URL"])
    assert database.hostname and database.hostname != "db.invalid", "the database address is a setting"
    needs = [destination(objects, "database", database.hostname, database.port or 5432)]
    if container.get("command", [])[-1:] == ["migrate"]:
        return needs  # the release's migration runs against the database and exits
    for name, value in environment.items():
        address = urlsplit(value)
        if address.scheme in ("http", "https") and address.hostname and not name.endswith(NOT_CALLED):
            needs.append(destination(objects, name, address.hostname, address.port or DEFAULT_PORTS[address.scheme]))
    if f"{prefix}SMTP_HOST" in environment:
        port = int(environment.get(f"{prefix}SMTP_PORT", "25"))
        needs.append(destination(objects, f"{prefix}SMTP_HOST", environment[f"{prefix}SMTP_HOST"], port))
    if environment.get(f"{prefix}STORAGE_BACKEND") == "s3" and not environment.get(f"{prefix}S3_ENDPOINT_URL"):
        needs.append(Destination("the photo bucket (S3)", 443, addresses=tuple(OUTSIDE)))
    if service.name == "report-it":
        needs.append(Destination("webhook receivers (HTTPS)", 443, addresses=tuple(OUTSIDE)))
    return needs


def database_pods(objects: list[kube.Object]) -> list[Pod]:
    pods = []
    api = [Destination("the Kubernetes API", port, addresses=tuple(API_SERVER)) for port in (443, 6443)]
    for cluster in kube.find(objects, "Cluster"):
        name = cluster["metadata"]["name"]
        instance = {"cnpg.io/cluster": name, "cnpg.io/podRole": "instance"}
        labels = tuple(sorted(instance.items()))
        needs = [Destination("replication", 5432, pod_labels=labels), Destination("status", 8000, pod_labels=labels)]
        for store in kube.find(objects, "ObjectStore"):
            configuration = store["spec"]["configuration"]
            assert "endpointURL" not in configuration, "an object store inside the cluster needs its own rule"
            needs.append(Destination(f"backups ({configuration['destinationPath']})", 443, addresses=tuple(OUTSIDE)))
        pods.append(Pod(f"Cluster/{name}", instance, needs + api))
        for pooler in kube.find(objects, "Pooler"):
            pooler_labels = {"cnpg.io/poolerName": pooler["metadata"]["name"]}
            pods.append(Pod(f"Pooler/{pooler['metadata']['name']}", pooler_labels, [needs[0], *api]))
    return pods


def all_pods(objects: list[kube.Object]) -> list[Pod]:
    dns = [
        Destination("DNS", 53, protocol, pod_labels=(("k8s-app", "kube-dns"),), namespace="kube-system")
        for protocol in ("UDP", "TCP")
    ]
    pods = [
        Pod(
            workload.name,
            workload.labels,
            dns + [need for container in workload.containers() for need in container_needs(objects, container)],
        )
        for workload in kube.workloads(objects)
    ]
    return pods + [Pod(pod.name, pod.labels, dns + pod.needs) for pod in database_pods(objects)]


def egress_policies(objects: list[kube.Object], labels: dict[str, str]) -> list[kube.Object]:
    return [p for p in kube.policies_for(objects, labels) if "Egress" in p["spec"].get("policyTypes", [])]


def peer_allows(peer: kube.Object, need: Destination) -> bool:
    if "ipBlock" in peer:
        block = peer["ipBlock"]
        network = ipaddress.ip_network(block["cidr"])
        excepted = [ipaddress.ip_network(cidr) for cidr in block.get("except", [])]
        return any(
            address.version == network.version and address in network and not any(address in e for e in excepted)
            for address in need.addresses
        )
    if not need.pod_labels or "podSelector" not in peer:
        return False
    if ("namespaceSelector" in peer) != (need.namespace is not None):
        return False
    if need.namespace is not None and not kube.selector_matches(
        peer["namespaceSelector"], {"kubernetes.io/metadata.name": need.namespace}
    ):
        return False
    return kube.selector_matches(peer["podSelector"], dict(need.pod_labels))


def port_allows(port: kube.Object, need: Destination) -> bool:
    assert isinstance(port["port"], int), "egress ports by number: a name is the destination pod's to define"
    return port["port"] == need.port and port.get("protocol", "TCP") == need.protocol


def unmet(objects: list[kube.Object]) -> list[str]:
    missing = []
    for pod in all_pods(objects):
        policies = egress_policies(objects, pod.labels)
        assert policies, f"{pod.name}: no egress policy selects it, so egress is not denied by default"
        for need in pod.needs:
            allowed = any(
                any(peer_allows(peer, need) for peer in rule["to"]) and any(port_allows(p, need) for p in rule["ports"])
                for policy in policies
                for rule in policy["spec"].get("egress", [])
            )
            if not allowed:
                missing.append(f"{pod.name} -> {need.what} ({need.protocol} {need.port})")
    return missing


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_egress_is_denied_by_default(overlay: str) -> None:
    (deny,) = [
        p for p in kube.find(rendered(overlay), "NetworkPolicy") if p["metadata"]["name"] == "default-deny-egress"
    ]
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Egress"]}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_address_a_pod_is_configured_to_call_is_let_out(overlay: str) -> None:
    objects = rendered(overlay)
    assert unmet(objects) == []
    # The destinations come from the settings: the mail relay, the peers and the identity provider are among them.
    needs = {need.what for pod in all_pods(objects) for need in pod.needs}
    assert {"REPORT_IT_SMTP_HOST", "REPORT_IT_FOOTPRINTS_URL", "VOLUNTEERING_REPORT_IT_URL"} <= needs
    assert any(what.endswith("AUTH__JWKS_URL") for what in needs)


def test_a_forgotten_destination_is_caught() -> None:
    objects = copy.deepcopy(rendered("production"))
    (policy,) = kube.find(objects, "NetworkPolicy", "report-it-egress")
    policy["spec"]["egress"] = [r for r in policy["spec"]["egress"] if r["ports"][0]["port"] != 587]
    missing = unmet(objects)
    assert missing and all("REPORT_IT_SMTP_HOST (TCP 587)" in line for line in missing)
    assert any(line.startswith("Deployment/report-it-worker ") for line in missing)


def unneeded(objects: list[kube.Object]) -> list[str]:
    """Each egress rule names its peers and ports, and each (peer, port) is one some pod it selects needs; the
    services' HTTPS to the outside reaches no private address (the cluster's own)."""
    problems = []
    pods = all_pods(objects)
    for policy in kube.find(objects, "NetworkPolicy"):
        selected = [pod for pod in pods if kube.selector_matches(policy["spec"]["podSelector"], pod.labels)]
        name = policy["metadata"]["name"]
        for rule in policy["spec"].get("egress", []):
            if not (rule.get("to") and rule.get("ports")):
                problems.append(f"{name}: a rule open to every address or port")
                continue
            for peer in rule["to"]:
                if peer in ({}, {"podSelector": {}}, {"namespaceSelector": {}}):
                    problems.append(f"{name}: {peer} is everyone")
                for port in rule["ports"]:
                    if not any(peer_allows(peer, n) and port_allows(port, n) for pod in selected for n in pod.needs):
                        problems.append(f"{name}: {peer} on {port} is needed by none of the pods it selects")
                if "ipBlock" in peer and not any(n.addresses == tuple(API_SERVER) for p in selected for n in p.needs):
                    block = peer["ipBlock"]
                    excepted = [ipaddress.ip_network(cidr) for cidr in block.get("except", [])]
                    network = ipaddress.ip_network(block["cidr"])
                    inside = [a for a in PRIVATE if a.version == network.version and a in network]
                    for address in inside:
                        if not any(address in e for e in excepted):
                            problems.append(f"{name}: reaches {address}, inside the cluster")
    return problems


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_nothing_else_is_let_out(overlay: str) -> None:
    assert unneeded(rendered(overlay)) == []


def test_a_rule_no_pod_needs_is_caught() -> None:
    objects = copy.deepcopy(rendered("production"))
    (policy,) = kube.find(objects, "NetworkPolicy", "volunteering-egress")
    # Volunteering sends no mail, and its HTTPS must not reach the cluster's own addresses.
    policy["spec"]["egress"].append({"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"port": 587}]})
    problems = unneeded(objects)
    assert any("volunteering-egress" in p and "587" in p for p in problems)
    assert any("volunteering-egress: reaches 10.1.2.3" in p for p in problems)
