"""The database in the deployment, checked offline: the CloudNativePG Cluster, its Pooler, backups and recovery
against their schemas, each service's database, role and connections against the code, and the connection budget
at the autoscalers' maxima against the pooler's and PostgreSQL's limits (deploy/README.md, "PostgreSQL")."""

from __future__ import annotations

import copy
import glob
import os
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from tests.deploy_support import kube
from tests.deploy_support.deployment import compose, rendered
from tests.deploy_support.kustomize import DEPLOY, OVERLAYS, overlay_dir, require_kubectl
from tests.deploy_support.services import SERVICES, Service, service_for_image

SERVICE_IDS = [service.name for service in SERVICES]
CNPG_KINDS = ["Cluster", "Pooler", "ScheduledBackup", "Database", "ObjectStore"]
BARMAN_PLUGIN = "barman-cloud.cloudnative-pg.io"
# PostgreSQL keeps these for superusers; CloudNativePG's instance manager and the poolers' authentication user
# (one pool per PgBouncer pod) take a few more.
RESERVED_CONNECTIONS = 3 + 10
# The share of a PgBouncer pod's max_client_conn the services may fill, all of them through one pod.
CLIENT_HEADROOM = 0.8


def the(objects: list[kube.Object], kind: str) -> kube.Object:
    (found,) = kube.find(objects, kind)
    return found


def database_clients(objects: list[kube.Object]) -> list[tuple[kube.Workload, Service, dict[str, str]]]:
    """Every container that connects to PostgreSQL: its workload, its service and its environment."""
    clients = []
    for workload in kube.workloads(objects):
        for container in workload.containers():
            service = service_for_image(container["image"])
            assert service is not None, workload.name
            environment = kube.container_env(container, objects)
            if f"{service.env_prefix}DATABASE_URL" in environment:
                clients.append((workload, service, environment))
    return clients


def processes(workload: kube.Workload, objects: list[kube.Object]) -> int:
    """How many copies of the workload can run at once: an autoscaler's maximum, else its replicas; a CronJob
    runs one at a time (concurrencyPolicy Forbid), a Job once."""
    kind, name = workload.obj["kind"], workload.obj["metadata"]["name"]
    if kind == "Deployment":
        for autoscaler in kube.find(objects, "HorizontalPodAutoscaler"):
            if autoscaler["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": kind, "name": name}:
                return autoscaler["spec"]["maxReplicas"]
        return workload.obj["spec"].get("replicas", 1)
    if kind == "CronJob":
        assert workload.obj["spec"]["concurrencyPolicy"] == "Forbid", workload.name
    return 1


@pytest.mark.parametrize("kind", CNPG_KINDS)
def test_cloudnative_pg_objects_are_validated_strictly(kind: str) -> None:
    obj = kube.find(rendered("production"), kind)[0]
    assert kube.schema_problem(obj) is None
    misspelt = copy.deepcopy(obj)
    misspelt["spec"]["instnaces"] = 3
    assert "'instnaces' was unexpected" in (kube.schema_problem(misspelt) or "")
    unknown_version = {**copy.deepcopy(obj), "apiVersion": obj["apiVersion"].rpartition("/")[0] + "/v9"}
    assert "no schema vendored" in (kube.schema_problem(unknown_version) or "")
    if kind == "Pooler":
        wrong = copy.deepcopy(obj)
        wrong["spec"]["pgbouncer"]["poolMode"] = "statement"
        assert "statement" in (kube.schema_problem(wrong) or "")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_cluster_is_replicated_synchronously_over_tls_and_backed_up(overlay: str) -> None:
    objects = rendered(overlay)
    cluster = the(objects, "Cluster")
    spec = cluster["spec"]
    assert spec["instances"] == 3
    synchronous = spec["postgresql"]["synchronous"]
    assert synchronous["number"] >= 1 and synchronous.get("dataDurability", "required") == "required"
    assert spec["affinity"]["podAntiAffinityType"] == "required", "two instances on one node are lost together"
    assert spec["postgresql"]["pg_hba"][0] == "hostnossl all all all reject", "connections without TLS are refused"
    assert spec["enableSuperuserAccess"] is False
    # WAL archived continuously and nightly base backups, both to the ObjectStore: point-in-time recovery.
    (archiver,) = [plugin for plugin in spec["plugins"] if plugin.get("isWALArchiver")]
    assert archiver["name"] == BARMAN_PLUGIN
    store = the(objects, "ObjectStore")
    assert archiver["parameters"]["barmanObjectName"] == store["metadata"]["name"]
    assert store["spec"]["retentionPolicy"]
    assert store["spec"]["configuration"]["destinationPath"].startswith("s3://")
    backup = the(objects, "ScheduledBackup")["spec"]
    assert backup["cluster"]["name"] == cluster["metadata"]["name"]
    assert backup["method"] == "plugin" and backup["pluginConfiguration"]["name"] == BARMAN_PLUGIN
    assert len(backup["schedule"].split()) == 6, "CloudNativePG's schedule has seconds first"


def test_each_environment_backs_up_to_a_bucket_of_its_own() -> None:
    buckets = {
        overlay: the(rendered(overlay), "ObjectStore")["spec"]["configuration"]["destinationPath"]
        for overlay in OVERLAYS
    }
    assert len(set(buckets.values())) == len(OVERLAYS), buckets


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES, ids=SERVICE_IDS)
def test_each_service_has_its_database_and_role_and_connects_with_tls(overlay: str, service: Service) -> None:
    objects = rendered(overlay)
    cluster = the(objects, "Cluster")
    cluster_name = cluster["metadata"]["name"]
    pooler = the(objects, "Pooler")
    roles = {role["name"]: role for role in cluster["spec"]["managed"]["roles"]}
    databases = {db["spec"]["name"]: db["spec"] for db in kube.find(objects, "Database")}
    mounts = 0
    for workload, client, environment in database_clients(objects):
        if client != service:
            continue
        url = urlsplit(environment[f"{service.env_prefix}DATABASE_URL"])
        where = f"{overlay} {workload.name}"
        user, database = url.username, url.path.lstrip("/")
        assert user in roles and roles[user]["login"] is True, f"{where}: {user} is not a managed login role"
        assert databases[database]["owner"] == user and databases[database]["cluster"]["name"] == cluster_name
        assert database == service.package, f"{where}: {service.name}'s own database"
        # The password is the Secret the role's password comes from.
        (container,) = [c for c in workload.containers() if service_for_image(c["image"]) == service]
        (password,) = [v for v in container["env"] if v["name"] == "PGPASSWORD"]
        secret = roles[user]["passwordSecret"]["name"]
        assert password["valueFrom"]["secretKeyRef"] == {"name": secret, "key": "password"}, where
        # The migration holds a session-level advisory lock: straight to the primary. The rest through PgBouncer.
        migrates = workload.obj["kind"] == "Job"
        host = f"{cluster_name}-rw" if migrates else pooler["metadata"]["name"]
        assert (url.hostname, url.port) == (host, 5432), where
        # TLS, with the server's certificate and name verified against the operator's CA.
        query = {key: value for key, [value] in parse_qs(url.query).items()}
        assert query["sslmode"] == "verify-full", where
        assert url.hostname in {f"{cluster_name}-rw", *cluster["spec"]["certificates"]["serverAltDNSNames"]}, where
        ca_dir, _, ca_file = query["sslrootcert"].rpartition("/")
        (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == ca_dir]
        (volume,) = [v for v in workload.pod["volumes"] if v["name"] == mount["name"]]
        assert volume["secret"] == {
            "secretName": f"{cluster_name}-ca",
            "items": [{"key": "ca.crt", "path": ca_file}],
        }, f"{where}: only the CA's certificate, never its key"
        mounts += 1
    assert mounts >= 2, f"{service.name}: its API and its migration connect"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_let_in_the_databases_clients_and_no_one_else(overlay: str) -> None:
    objects = rendered(overlay)
    cluster_name = the(objects, "Cluster")["metadata"]["name"]
    pooler_name = the(objects, "Pooler")["metadata"]["name"]
    # The labels CloudNativePG gives its pods.
    instance = {"cnpg.io/cluster": cluster_name, "cnpg.io/podRole": "instance"}
    pooler = {"cnpg.io/cluster": cluster_name, "cnpg.io/poolerName": pooler_name, "cnpg.io/podRole": "pooler"}
    targets = {f"{cluster_name}-rw": instance, pooler_name: pooler}
    for workload, service, environment in database_clients(objects):
        host = urlsplit(environment[f"{service.env_prefix}DATABASE_URL"]).hostname
        policies = kube.policies_for(objects, targets[host])
        assert any(kube.admits(p, pod_labels=workload.labels) for p in policies), f"{workload.name} cannot reach {host}"
    instance_policies = kube.policies_for(objects, instance)
    assert any(kube.admits(p, pod_labels=pooler) for p in instance_policies), "the pooler reaches the primary"
    assert any(kube.admits(p, pod_labels=instance) for p in instance_policies), "the standbys replicate"
    assert any(kube.admits(p, other_namespace=True) for p in instance_policies), "the operator reaches the instances"
    assert not any(kube.admits(p, other_namespace=True) for p in kube.policies_for(objects, pooler))


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_connections_at_the_autoscalers_maxima_fit_the_pooler_and_postgresql(overlay: str) -> None:
    """replicas x processes x (pool + overflow) within one PgBouncer pod's max_client_conn, with headroom; the
    pooler's server connections and the migrations' within max_connections (deploy/README.md, "Connections")."""
    objects = rendered(overlay)
    pooler = the(objects, "Pooler")
    parameters = pooler["spec"]["pgbouncer"]["parameters"]
    assert pooler["spec"]["pgbouncer"]["poolMode"] == "transaction"
    assert int(parameters["max_prepared_statements"]) > 0, "psycopg prepares statements; PgBouncer must track them"
    clients = direct = 0
    for workload, service, environment in database_clients(objects):
        per_process = int(environment[f"{service.env_prefix}DATABASE_POOL_SIZE"]) + int(
            environment[f"{service.env_prefix}DATABASE_MAX_OVERFLOW"]
        )
        if workload.obj["kind"] == "Job":
            direct += processes(workload, objects)  # alembic on one connection (NullPool)
        else:
            clients += processes(workload, objects) * per_process
    assert clients <= CLIENT_HEADROOM * int(parameters["max_client_conn"]), f"{clients} clients"
    per_database = int(parameters["max_db_connections"])
    assert int(parameters["default_pool_size"]) + int(parameters.get("reserve_pool_size", "0")) <= per_database
    server = pooler["spec"]["instances"] * len(kube.find(objects, "Database")) * per_database
    max_connections = int(the(objects, "Cluster")["spec"]["postgresql"]["parameters"]["max_connections"])
    assert server + direct + RESERVED_CONNECTIONS <= max_connections, f"{server} + {direct} + reserved"


def test_postgresql_is_the_same_major_in_the_tests_compose_and_the_cluster() -> None:
    (db,) = [d for d in compose()["services"].values() if str(d.get("image", "")).startswith("postgres:")]
    compose_major = db["image"].split(":")[1].split(".")[0]
    for overlay in OVERLAYS:
        image = the(rendered(overlay), "Cluster")["spec"]["imageName"]
        assert image.rpartition(":")[2].split(".")[0].split("-")[0] == compose_major, image
    # tests/support/postgres.py runs the newest server installed here, unless the suite is given one.
    installed = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if os.environ.get("DEAL_TEST_POSTGRES_URL") or not installed:
        pytest.skip("the suite's PostgreSQL is not one installed here")
    assert Path(installed[-1]).parents[1].name == compose_major


class _StringTimes(yaml.SafeLoader):
    """YAML as the API server reads it: `2026-01-01 00:00:00+00` is a string, not a timestamp."""


_StringTimes.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_point_in_time_recovery_rebuilds_the_cluster_from_its_backups(overlay: str, tmp_path: Path) -> None:
    """The component the README's recovery adds to an overlay: the same Cluster, bootstrapped from the
    ObjectStore up to a target time, archiving under a new server name."""
    (tmp_path / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "resources": [os.path.relpath(overlay_dir(overlay), tmp_path)],
                "components": [os.path.relpath(DEPLOY / "components" / "recover-database", tmp_path)],
            }
        )
    )
    result = subprocess.run(
        [require_kubectl(), "kustomize", str(tmp_path)], capture_output=True, text=True, timeout=120, check=True
    )
    objects = [doc for doc in yaml.load_all(result.stdout, Loader=_StringTimes) if doc]
    cluster, before = the(objects, "Cluster"), the(rendered(overlay), "Cluster")
    assert kube.schema_problem(cluster) is None
    spec = cluster["spec"]
    recovery = spec["bootstrap"]["recovery"]
    assert "initdb" not in spec["bootstrap"] and recovery["recoveryTarget"]["targetTime"]
    (source,) = [c for c in spec["externalClusters"] if c["name"] == recovery["source"]]
    assert source["plugin"]["name"] == BARMAN_PLUGIN
    assert source["plugin"]["parameters"] == {
        "barmanObjectName": the(objects, "ObjectStore")["metadata"]["name"],
        "serverName": before["metadata"]["name"],
    }
    (archiver,) = [plugin for plugin in spec["plugins"] if plugin.get("isWALArchiver")]
    assert archiver["parameters"]["serverName"] != source["plugin"]["parameters"]["serverName"], (
        "the recovered cluster must not archive over the history it recovers from"
    )
    for key in ("managed", "postgresql", "instances", "imageName", "certificates"):
        assert spec[key] == before["spec"][key], key
