"""The field app on phones, as deployed: Footprints and Volunteering on HTTPS hosts of their own, named in the app's
config and Content Security Policy, letting in exactly the app's origin, and reachable through the Gateway
(Kubernetes overlays); the same from the host's browser with docker compose."""

from __future__ import annotations

import importlib
import json
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from deal_shared import auth
from report_it.main import create_app as create_report_it_app
from report_it.webapp.settings import WebAppSettings
from tests.deploy_support import kube
from tests.deploy_support.deployment import (
    api_workload,
    app_of,
    compose,
    compose_env,
    config_data,
    listener_of,
    rendered,
    route_for,
    route_paths,
    serves_prefix,
)
from tests.deploy_support.kustomize import OVERLAYS
from tests.deploy_support.services import BY_NAME, PORT, load_settings

# The services the staff screens call straight from the phone, and the field app's setting naming each.
PEERS = {"footprints": "REPORT_IT_APP_FOOTPRINTS_URL", "volunteering": "REPORT_IT_APP_VOLUNTEERING_URL"}
# A call each screen makes (caseload, entitlement), for the browser's CORS preflight.
PEER_CALLS = {"footprints": "/v1/caseloads/me", "volunteering": "/v1/me/entitlement"}
# Routes on the public hosts that answer without a token, on purpose: the borough's published geography; a staff
# member's calendar feed (its unguessable token is the credential, for calendar apps that cannot sign in); open data.
PUBLIC_ROUTES = {
    "footprints": {"/v1/locate", "/v1/boundaries", "/v1/footprints", "/v1/wards"},
    "volunteering": {"/v1/calendar/{token}.ics", "/v1/open-data/volunteering.csv"},
}
FOREIGN_ORIGIN = "https://attacker.example"


def only_host(route: kube.Object) -> str:
    (host,) = route["spec"]["hostnames"]
    return host


def app_origin(objects: list[kube.Object]) -> str:
    """Where phones open the field app: the host of the route sending /app to Report IT, over HTTPS."""
    route = route_for(objects, "report-it")
    assert "/app" in {path for _type, path, _service, _port in route_paths(objects, route["metadata"]["name"])}
    return f"https://{only_host(route)}"


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def api_env(objects: list[kube.Object], service_name: str) -> dict[str, str]:
    (container,) = api_workload(objects, BY_NAME[service_name]).pod["containers"]
    return kube.container_env(container, objects)


def peer_app(service_name: str, environment: dict[str, str]) -> Any:
    """The peer's real app, built from `environment` as its pod would read it (nothing starts: no lifespan)."""
    service = BY_NAME[service_name]
    settings = load_settings(service, environment)
    return importlib.import_module(f"{service.package}.main").create_app(settings)


def webapp(environment: dict[str, str]) -> TestClient:
    """Report IT's field app, with the app settings `environment` gives it (the API's own settings do not matter)."""
    app = create_report_it_app()
    app.state.webapp_settings = load_settings(BY_NAME["report-it"], environment, WebAppSettings)
    return TestClient(app)


def preflight(client: TestClient, path: str, origin: str) -> Any:
    headers = {
        "Origin": origin,
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization",
    }
    return client.options(path, headers=headers)


# ---------------------------------------------------------------------------------------------------------------
# Kubernetes
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("peer", PEERS)
def test_each_peer_has_an_https_host_of_its_own_routing_its_api(overlay: str, peer: str) -> None:
    objects = rendered(overlay)
    route = route_for(objects, peer)
    host = only_host(route)
    assert not host.endswith(".invalid"), f"{overlay} sets {peer}'s host name"
    assert host != urlsplit(app_origin(objects)).hostname, "a host of its own: no rewrite, the API at its own root"
    gateway, listener = listener_of(objects, route)
    assert (listener["hostname"], listener["protocol"]) == (host, "HTTPS")
    assert [ref["name"] for ref in listener["tls"]["certificateRefs"]], "TLS from a certificate Secret"
    assert listener_of(objects, route_for(objects, "report-it"))[0] is gateway, "the same Gateway as the app"

    # /v1 only: the API the app calls; the docs and the metrics stay inside the cluster.
    assert route_paths(objects, route["metadata"]["name"]) == [("PathPrefix", "/v1", peer, PORT)]
    assert serves_prefix(peer, "/v1")
    (service,) = kube.find(objects, "Service", peer)
    assert [(p["name"], p["port"], p["targetPort"]) for p in service["spec"]["ports"]] == [("http", PORT, "http")]


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("peer", PEERS)
def test_the_app_and_the_peer_name_its_public_https_address(overlay: str, peer: str) -> None:
    objects = rendered(overlay)
    url = config_data(objects, "report-it")[PEERS[peer]]
    address = urlsplit(url)
    assert address.scheme == "https", f"{PEERS[peer]}={url}: phones need HTTPS"
    assert address.hostname == only_host(route_for(objects, peer)), f"{PEERS[peer]}={url} is not {peer}'s host"
    assert address.port is None and address.path in ("", "/") and not address.query, url
    # The peer knows its own public address too (Volunteering puts it in calendar feed links).
    public_base_url = load_settings(BY_NAME[peer], api_env(objects, peer)).public_base_url
    assert public_base_url.rstrip("/") == url.rstrip("/")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_deployed_app_offers_both_screens_and_may_call_exactly_those_hosts(overlay: str) -> None:
    objects = rendered(overlay)
    client = webapp(api_env(objects, "report-it"))
    urls = {peer: config_data(objects, "report-it")[setting] for peer, setting in PEERS.items()}

    config = client.get("/app/config.json")
    assert config.status_code == 200
    assert config.json()["services"] == {peer: url.rstrip("/") for peer, url in urls.items()}

    page = client.get("/app/")
    assert page.status_code == 200
    directives = dict(d.strip().split(" ", 1) for d in page.headers["Content-Security-Policy"].split(";") if d.strip())
    # The peers, and the council's identity provider the app signs staff in with (its token endpoint).
    issuer = config_data(objects, "report-it")["REPORT_IT_APP_SIGN_IN_ISSUER"]
    expected = {"'self'", *(origin_of(url) for url in urls.values()), origin_of(issuer)}
    assert set(directives["connect-src"].split()) == expected


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("peer", PEERS)
def test_each_peer_lets_in_exactly_the_apps_origin(overlay: str, peer: str) -> None:
    objects = rendered(overlay)
    origin = app_origin(objects)
    environment = api_env(objects, peer)
    setting = f"{BY_NAME[peer].env_prefix}CORS_ORIGINS"
    assert json.loads(environment[setting]) == [origin], f"{setting} lists the app's origin, exactly"
    assert load_settings(BY_NAME[peer], environment).cors_origins == [origin]

    # The real app, as configured: the phone's preflight from the app passes, one from anywhere else does not.
    client = TestClient(peer_app(peer, environment))
    allowed = preflight(client, PEER_CALLS[peer], origin)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == origin
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    refused = preflight(client, PEER_CALLS[peer], FOREIGN_ORIGIN)
    assert refused.status_code == 400 and "access-control-allow-origin" not in refused.headers


def controller_rules(objects: list[kube.Object], labels: dict[str, str]) -> list[kube.Object]:
    """The NetworkPolicy rules letting pods with `labels` be reached from another namespace (the controller's)."""
    return [
        rule
        for policy in kube.policies_for(objects, labels)
        for rule in policy["spec"].get("ingress", [])
        if any("namespaceSelector" in source for source in rule.get("from", []))
    ]


def namespace_selectors(rules: list[kube.Object]) -> list[kube.Object]:
    return [source["namespaceSelector"] for rule in rules for source in rule["from"] if "namespaceSelector" in source]


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("peer", PEERS)
def test_the_gateway_reaches_each_peer_on_its_http_port_only(overlay: str, peer: str) -> None:
    objects = rendered(overlay)
    api = api_workload(objects, BY_NAME[peer])
    (container,) = api.pod["containers"]
    assert container["ports"] == [{"name": "http", "containerPort": PORT}]

    rules = controller_rules(objects, api.labels)
    assert rules, f"no NetworkPolicy lets the Gateway's proxies reach {peer}"
    # The proxies Report IT's public host already goes through, and the HTTP port alone.
    controller = namespace_selectors(controller_rules(objects, api_workload(objects, BY_NAME["report-it"]).labels))
    assert controller and all(selector in controller for selector in namespace_selectors(rules))
    for rule in rules:
        assert rule.get("ports") == [{"port": "http", "protocol": "TCP"}], f"{peer}: the HTTP port only"


def api_routes(app: Any) -> list[APIRoute]:
    """Every API route of the app, inside included routers too."""
    found: list[APIRoute] = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                found.append(route)
            elif hasattr(route, "original_router"):
                walk(route.original_router.routes)
            elif hasattr(route, "routes"):
                walk(route.routes)

    walk(app.routes)
    return found


def needs_a_verified_token(route: APIRoute) -> bool:
    """Whether the route's dependencies include the verified caller (roles are checked on top of it)."""
    pending, calls = [route.dependant], set()
    while pending:
        dependant = pending.pop()
        calls.add(dependant.call)
        pending.extend(dependant.dependencies)
    return auth.current_principal in calls


@pytest.mark.parametrize("peer", PEERS)
def test_what_the_public_hosts_expose_needs_a_token_unless_published_on_purpose(peer: str) -> None:
    app = app_of(peer)
    routes = api_routes(app)
    # Every route the OpenAPI document lists was looked at, so the walk cannot quietly miss a router.
    documented = {(path, method.upper()) for path, item in app.openapi()["paths"].items() for method in item}
    seen = {(route.path, method) for route in routes for method in route.methods}
    assert documented <= seen

    exposed = [route for route in routes if route.path.startswith("/v1/")]
    open_routes = {route.path for route in exposed if not needs_a_verified_token(route)}
    assert open_routes == PUBLIC_ROUTES[peer], "a route on the public host answers without a token"


# ---------------------------------------------------------------------------------------------------------------
# docker compose
# ---------------------------------------------------------------------------------------------------------------


def published_port(service_name: str) -> int:
    """The host port the laptop's browser uses: the default of the port variable (a range only when scaled)."""
    (mapping,) = compose()["services"][service_name]["ports"]
    return int(re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", str(mapping)).split(":")[0])


@pytest.mark.parametrize("peer", PEERS)
def test_compose_serves_the_hosts_browser_caseload_and_volunteering(peer: str) -> None:
    services = compose()["services"]
    report_it = compose_env(services["report-it"])
    origin = origin_of(report_it["REPORT_IT_PUBLIC_BASE_URL"])
    assert urlsplit(origin).port == published_port("report-it")
    app_settings = load_settings(BY_NAME["report-it"], report_it, WebAppSettings)
    url = urlsplit(getattr(app_settings, PEERS[peer].removeprefix("REPORT_IT_APP_").lower()))
    # The browser runs on the host: the peer's published port on a loopback address (a secure context).
    assert url.scheme == "http" and url.hostname in ("localhost", "127.0.0.1"), url.geturl()
    assert url.port == published_port(peer), f"{peer} is published on {published_port(peer)}, not {url.port}"

    origins = load_settings(BY_NAME[peer], compose_env(services[peer])).cors_origins
    assert origin in origins and "*" not in origins
    for allowed in origins:
        assert urlsplit(allowed).hostname in ("localhost", "127.0.0.1"), allowed
        assert urlsplit(allowed).port == published_port("report-it"), allowed
