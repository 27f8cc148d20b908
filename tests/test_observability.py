"""The alerts (deploy/base/alerts.yaml) and the Grafana dashboard (deploy/observability/) checked offline: the
PrometheusRule against its CRD's schema, every query parsed as PromQL, and every metric a query names one that the
services really export (scraped from each one's /metrics) or one of kube-state-metrics' Deployment metrics."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import promql_parser
import pytest
from prometheus_client.parser import text_string_to_metric_families

from deal_shared.auth import AuthSettings
from tests.deploy_support import kube
from tests.deploy_support.deployment import rendered
from tests.deploy_support.kustomize import DEPLOY, OVERLAYS, render
from tests.support.server import serve

OBSERVABILITY = DEPLOY / "observability"
DASHBOARD = OBSERVABILITY / "deal-digital-dashboard.json"
RUNBOOKS = OBSERVABILITY / "runbooks.md"
# kube-state-metrics v2's names for a Deployment's replicas (its docs, "Deployment Metrics").
KUBE_STATE_METRICS = {
    "kube_deployment_spec_replicas",
    "kube_deployment_status_replicas",
    "kube_deployment_status_replicas_available",
    "kube_deployment_status_replicas_ready",
    "kube_deployment_status_replicas_unavailable",
}
# Labels Prometheus adds to every scraped series (the target's), beside those the services export.
TARGET_LABELS = {"namespace", "pod", "instance", "job", "container", "endpoint"}
# Grafana's variables, as a value that parses in their place.
GRAFANA_INTERVALS = re.compile(r"\$__(rate_)?interval|\$\{__(rate_)?interval\}")


def the_rule(objects: list[kube.Object]) -> kube.Object:
    (rule,) = kube.find(objects, "PrometheusRule", "deal-digital")
    return rule


def alert_rules() -> list[dict]:
    return [rule for group in the_rule(render(DEPLOY / "base"))["spec"]["groups"] for rule in group["rules"]]


def dashboard_queries(dashboard: dict) -> Iterator[str]:
    def panels(items: list[dict]) -> Iterator[dict]:
        for panel in items:
            yield panel
            yield from panels(panel.get("panels", []))

    for panel in panels(dashboard["panels"]):
        for target in panel.get("targets", []):
            yield target["expr"]
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            query = variable["query"]["query"]
            # label_values(<selector>, <label>): the selector is PromQL.
            found = re.fullmatch(r"label_values\((.*),\s*\w+\)", query)
            assert found, query
            yield found.group(1)


def parse(query: str) -> promql_parser.Expr:
    return promql_parser.parse(GRAFANA_INTERVALS.sub("5m", query))


def selectors(node: object) -> Iterator[promql_parser.VectorSelector]:
    if isinstance(node, promql_parser.VectorSelector):
        yield node
    elif isinstance(node, promql_parser.MatrixSelector):
        yield node.vector_selector
    elif isinstance(node, promql_parser.BinaryExpr):
        yield from selectors(node.lhs)
        yield from selectors(node.rhs)
    elif isinstance(node, promql_parser.AggregateExpr):
        yield from selectors(node.expr)
        if node.param is not None:
            yield from selectors(node.param)
    elif isinstance(node, promql_parser.Call):
        for argument in node.args:
            yield from selectors(argument)
    elif isinstance(node, (promql_parser.ParenExpr, promql_parser.SubqueryExpr, promql_parser.UnaryExpr)):
        yield from selectors(node.expr)


def all_queries() -> list[str]:
    return [str(rule["expr"]) for rule in alert_rules()] + list(dashboard_queries(json.loads(DASHBOARD.read_text())))


# ---------------------------------------------------------------------------------------------------------------
# What the services export
# ---------------------------------------------------------------------------------------------------------------


def _exported(base: str) -> dict[str, set[str]]:
    """Each series name on `base`'s /metrics, with the labels its samples carry."""
    httpx.get(f"{base}/healthz").raise_for_status()  # so the request metrics have samples, with their labels
    text = httpx.get(f"{base}/metrics").text
    names: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            names.setdefault(sample.name, set()).update(sample.labels)
    return names


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory, dev_key: Path) -> dict[str, set[str]]:
    """Every series the three services export, from their real apps on migrated databases."""
    auth = AuthSettings(dev_mode=True, dev_key_path=dev_key)
    everything: dict[str, set[str]] = {}
    for service, extra in (
        ("report_it", {"photo_dir": tmp_path_factory.mktemp("photos"), "run_deliverer": False, "run_router": False}),
        ("footprints", {"deliver_in_process": False}),
        ("volunteering", {}),
    ):
        config = __import__(f"{service}.config", fromlist=["Settings"])
        db = __import__(f"{service}.db", fromlist=["migrate"])
        main = __import__(f"{service}.main", fromlist=["create_app"])
        url = f"sqlite:///{tmp_path_factory.mktemp(service) / 'metrics.db'}"
        db.migrate(url)
        settings = config.Settings(database_url=url, environment="test", auth=auth, **extra)
        with serve(main.create_app(settings)) as base:
            for name, labels in _exported(base).items():
                everything.setdefault(name, set()).update(labels)
    return everything


def test_the_services_export_what_the_alerts_are_about(exported: dict[str, set[str]]) -> None:
    for name in ("http_requests_total", "outbox_pending_messages", "outbox_oldest_pending_age_seconds"):
        assert name in exported, name
        assert "service" in exported[name]
    assert {"method", "route", "status"} <= exported["http_requests_total"]


def test_every_query_names_only_metrics_that_exist_with_their_labels(exported: dict[str, set[str]]) -> None:
    known = {**exported, **{name: {"namespace", "deployment"} for name in KUBE_STATE_METRICS}}
    problems = []
    for query in all_queries():
        for selector in selectors(parse(query)):
            if selector.name not in known:
                problems.append(f"{selector.name}: not exported ({query})")
                continue
            matched = {matcher.name for matcher in selector.matchers.matchers} - {"__name__"}
            if unknown := matched - known[selector.name] - TARGET_LABELS:
                problems.append(f"{selector.name}: no label {sorted(unknown)} ({query})")
    assert problems == []


def test_the_metric_check_catches_a_misspelt_name_and_label(exported: dict[str, set[str]]) -> None:
    (wrong,) = selectors(parse('rate(http_request_total{route="/v1"}[5m])'))
    assert wrong.name not in exported
    (label,) = selectors(parse('outbox_pending_messages{kind="email"}'))
    assert {m.name for m in label.matchers.matchers} - exported[label.name] - TARGET_LABELS == {"kind"}


# ---------------------------------------------------------------------------------------------------------------
# The PrometheusRule
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_rule_is_in_every_overlay_and_meets_its_crd(overlay: str) -> None:
    rule = the_rule(rendered(overlay))
    assert kube.schema_problem(rule) is None
    misspelt = copy.deepcopy(rule)
    misspelt["spec"]["groups"][0]["rules"][0]["fro"] = "5m"
    assert "'fro' was unexpected" in (kube.schema_problem(misspelt) or "")
    bad_duration = copy.deepcopy(rule)
    bad_duration["spec"]["groups"][0]["rules"][0]["for"] = "5 minutes"
    assert kube.schema_problem(bad_duration)


def test_every_alert_parses_waits_and_has_a_severity_and_a_runbook() -> None:
    sections = {
        re.sub(r"[^a-z0-9-]", "", line[3:].strip().lower().replace(" ", "-"))
        for line in RUNBOOKS.read_text().splitlines()
        if line.startswith("## ")
    }
    names = [rule["alert"] for rule in alert_rules()]
    assert len(names) == len(set(names))
    for rule in alert_rules():
        parse(str(rule["expr"]))
        assert rule.get("for"), rule["alert"]
        assert rule["labels"]["severity"] in {"critical", "warning"}
        assert {"summary", "description", "runbook"} <= set(rule["annotations"])
        path, _, anchor = rule["annotations"]["runbook"].partition("#")
        assert (DEPLOY.parent / path) == RUNBOOKS and anchor in sections, rule["alert"]


def test_the_alerts_cover_errors_readiness_and_the_outbox() -> None:
    by_alert = {rule["alert"]: {s.name for s in selectors(parse(str(rule["expr"])))} for rule in alert_rules()}
    assert "http_requests_total" in by_alert["DealHighServerErrorRate"]
    assert "kube_deployment_status_replicas_ready" in by_alert["DealNoReadyReplicas"]
    assert "outbox_pending_messages" in by_alert["DealOutboxBacklogGrowing"]
    assert "outbox_oldest_pending_age_seconds" in by_alert["DealOutboxMessageStuck"]


def test_the_deployments_the_queries_name_are_the_manifests() -> None:
    deployments = {obj["metadata"]["name"] for obj in kube.find(render(DEPLOY / "base"), "Deployment")}
    services = {"report-it", "footprints", "volunteering"}
    for query in all_queries():
        for selector in selectors(parse(query)):
            for matcher in selector.matchers.matchers:
                if matcher.name == "deployment":
                    assert set(matcher.value.split("|")) <= deployments, query
                if matcher.name == "service" and not matcher.value.startswith("$"):
                    assert set(matcher.value.split("|")) == services, query
    assert {"report-it-worker", "footprints-worker"} <= deployments


# ---------------------------------------------------------------------------------------------------------------
# The dashboard
# ---------------------------------------------------------------------------------------------------------------


def test_the_dashboard_is_grafana_json_on_a_chosen_prometheus() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] and dashboard["title"] and isinstance(dashboard["schemaVersion"], int)
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    variables = {variable["name"] for variable in dashboard["templating"]["list"]}
    assert {"datasource", "namespace", "service"} <= variables
    for panel in dashboard["panels"]:
        assert set(panel["gridPos"]) == {"x", "y", "w", "h"} and panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            parse(target["expr"])
            for variable in re.findall(r"\$(\w+)", target["expr"]):
                assert variable in variables or variable.startswith("__"), (panel["title"], variable)
