"""The APIs' /metrics as Prometheus scrapes them: a PodMonitor (validated against a schema written for the
Prometheus Operator's CRD) that selects every API's pods and no worker's, on a port and path each API serves, and a
NetworkPolicy that lets Prometheus in on that port."""

from __future__ import annotations

import copy

import pytest

from tests.deploy_support import kube
from tests.deploy_support.deployment import api_workload, rendered, serves
from tests.deploy_support.kustomize import OVERLAYS
from tests.deploy_support.services import SERVICES


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_pod_monitor_scrapes_every_api_and_nothing_else(overlay: str) -> None:
    objects = rendered(overlay)
    (monitor,) = kube.find(objects, "PodMonitor")
    assert kube.schema_problem(monitor) is None
    selector = monitor["spec"]["selector"]
    apis = {id(api_workload(objects, service).obj) for service in SERVICES}
    selected = {id(w.obj) for w in kube.workloads(objects) if kube.selector_matches(selector, w.labels)}
    assert selected == apis, "every API's pods, and no worker's, job's or migration's"
    (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
    for service in SERVICES:
        (container,) = api_workload(objects, service).pod["containers"]
        assert endpoint["port"] in {port["name"] for port in container["ports"]}, service.name
        assert serves(service.name, endpoint["path"]), f"{service.name} does not serve {endpoint['path']}"
        labels = api_workload(objects, service).labels
        scrapers = [
            policy
            for policy in kube.policies_for(objects, labels)
            for rule in policy["spec"].get("ingress", [])
            for peer in rule["from"]
            if peer.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name")
            == "monitoring"
            and {"port": endpoint["port"], "protocol": "TCP"} in rule["ports"]
        ]
        assert scrapers, f"Prometheus cannot reach {service.name}'s {endpoint['port']} port"


def test_the_pod_monitor_schema_refuses_what_the_crd_does() -> None:
    (monitor,) = kube.find(rendered("production"), "PodMonitor")
    misspelt = copy.deepcopy(monitor)
    misspelt["spec"]["podMetricEndpoints"] = misspelt["spec"].pop("podMetricsEndpoints")
    assert "podMetricEndpoints" in (kube.schema_problem(misspelt) or "")
    wrong = copy.deepcopy(monitor)
    wrong["spec"]["podMetricsEndpoints"][0]["interval"] = "half a minute"
    assert "half a minute" in (kube.schema_problem(wrong) or "")
