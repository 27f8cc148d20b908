"""The project's own hostile-input corpus, sent to every operation of every service over real HTTP.

For each operation in a service's /openapi.json: every query parameter, path parameter and top-level body field
is given, one at a time, each value of a corpus of hostile values (poles and the antimeridian, far dates, NaN and
1e309, nulls, control and non-characters, huge strings), and the whole body is replaced by hostile documents
(null, a bare string, deep nesting, duplicate keys, malformed JSON); repeated and conflicting headers go with
some. Each request is sent with a token holding every role (so the routes behind roles are reached) and some
without. Every answer must come within the time bound, be no 5xx (503 only with Retry-After, for a peer service
that is not running here), and, if a 4xx, be in the service's error format: problem details, or on Open311 its own
errors document. An operation whose requests were all refused must have stored nothing: every table's row count
is the same before and after them.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, inspect, select, table

from deal_shared.auth import Role
from tests.support.server import serve
from tests.test_openapi_truth import SERVICES, STREAMS

LOG = logging.getLogger(__name__)

# No request may take longer than this (docs/architecture.md says the same bound).
REQUEST_BOUND_S = 10.0

HOSTILE_TEXT = [
    "",
    " ",
    "\u0000",
    "a\u0001b",
    "\ufffe\uffff",
    "\ud7ff\U0010ffff",
    '=HYPERLINK("http://x")',
    "x" * 20_000,
    "../../etc/passwd",
    "' OR 1=1 --",
    "%00",
]
HOSTILE_NUMBERS = ["nan", "NaN", "inf", "-inf", "1e309", "-1e309", "89.9999", "-90", "179.9999", "-180.0001", "0", "-1"]
HOSTILE_MOMENTS = [
    "0001-01-01T00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30T00:00:00Z",
    "2026-01-01T25:00:00",
]
HOSTILE_QUERY = HOSTILE_TEXT + HOSTILE_NUMBERS + HOSTILE_MOMENTS
HOSTILE_JSON_VALUES: list[Any] = [
    None,
    "",
    "x" * 20_000,
    "\u0000",
    "\uffff",
    -1,
    10**30,
    1e308,
    [],
    {},
    [None] * 1000,
    {"nested": {"deeper": [1, {"x": None}]}},
    "0001-01-01T00:00+14:00",
    True,
]
# JSON texts no encoder writes but a client can send.
HOSTILE_BODIES = [
    b"null",
    b'"just text"',
    b"[]",
    b"0",
    b"NaN",
    b'{"a": 1e309}',
    b'{"lat": NaN, "long": Infinity}',
    b"[" * 5000 + b"]" * 5000,
    b'{"category": "litter", "category": "graffiti"}',
    b'{"a":',
    b"\xff\xfe\x00",
    b'{"\\u0000": 1}',
]
HOSTILE_PATH = ["\u00e9", "x" * 2000, "%00", "..", "00000000-0000-0000-0000-000000000000", "-1", "1e309"]
HOSTILE_HEADERS: list[list[tuple[str, str | bytes]]] = [
    [("Idempotency-Key", "k\u00e9y".encode()), ("Idempotency-Key", "other")],
    [("Idempotency-Key", "x" * 5000)],
    [("Content-Type", "application/json"), ("Content-Type", "text/plain")],
    [("If-Match", '"not-a-version"'), ("If-Match", "*")],
    [("Content-Type", "multipart/form-data; boundary=")],
]


@dataclass
class Tally:
    sent: int = 0
    by_class: dict[int, int] = field(default_factory=dict)
    faults: list[str] = field(default_factory=list)


@dataclass
class Target:
    name: str
    base: str
    database_url: str
    everyone: dict[str, str]


@pytest.fixture(scope="module", params=list(SERVICES))
def target(request, database_factory, dev_key, token_for, tmp_path_factory) -> Iterator[Target]:
    name = request.param
    url = database_factory(f"hostile_{name}")
    app = SERVICES[name](url, dev_key, tmp_path_factory.mktemp(name))
    token = token_for(*[role.value for role in Role], sub="hostile.tester")
    with serve(app) as base:
        yield Target(name=name, base=base, database_url=url, everyone={"Authorization": f"Bearer {token}"})


def _row_counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            names = inspect(connection).get_table_names()
            return {n: connection.execute(select(func.count()).select_from(table(n))).scalar_one() for n in names}
    finally:
        engine.dispose()


def _path_value(parameter: dict[str, Any]) -> str:
    schema = parameter.get("schema", {})
    if schema.get("format") == "uuid":
        return str(uuid.uuid4())
    if "enum" in schema:
        return schema["enum"][0]
    return "unknown-thing"


def _requests(path: str, method: str, operation: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The hostile requests for one operation: each a dict of httpx.request arguments."""
    parameters = operation.get("parameters", [])
    path_values = {p["name"]: _path_value(p) for p in parameters if p["in"] == "path"}

    def url(**overrides: str) -> str:
        values = {**path_values, **overrides}
        out = path
        for key, value in values.items():
            out = out.replace("{" + key + "}", httpx.URL("/" + value).raw_path.decode()[1:] if value else value)
        return out

    base_url = url()
    for parameter in parameters:
        if parameter["in"] == "query":
            for value in HOSTILE_QUERY:
                yield {"url": base_url, "params": {parameter["name"]: value}}
            # Repeated, conflicting values.
            yield {"url": base_url, "params": [(parameter["name"], "1"), (parameter["name"], "2026-01-01")]}
        elif parameter["in"] == "path":
            for value in HOSTILE_PATH:
                yield {"url": url(**{parameter["name"]: value})}
    if method in ("get", "delete"):
        return
    body = operation.get("requestBody", {}).get("content", {})
    schema = body.get("application/json", {}).get("schema", {})
    properties = list(schema.get("properties", {}))
    for name in properties:
        for value in HOSTILE_JSON_VALUES:
            yield {"url": base_url, "json": {name: value}}
    for raw in HOSTILE_BODIES:
        yield {"url": base_url, "content": raw, "headers": [("Content-Type", "application/json")]}
    for headers in HOSTILE_HEADERS:
        yield {"url": base_url, "content": b"{}", "headers": headers}


def _in_error_format(path: str, response: httpx.Response) -> bool:
    content_type = response.headers.get("content-type", "")
    if path.startswith("/open311/"):
        if content_type.startswith("application/json"):
            body = response.json()
            return isinstance(body, list) and all("code" in e and "description" in e for e in body)
        return content_type.startswith("text/xml") and "<errors>" in response.text
    if not content_type.startswith("application/problem+json"):
        return False
    problem = response.json()
    return isinstance(problem, dict) and {"type", "title", "status", "code"} <= problem.keys()


def _send(client: httpx.Client, method: str, request: dict[str, Any], tally: Tally, name: str) -> int | None:
    headers = list(request.pop("headers", []))
    try:
        response = client.request(method.upper(), headers=headers, timeout=REQUEST_BOUND_S, **request)
    except httpx.TimeoutException:
        tally.faults.append(f"{name} {request}: no answer within {REQUEST_BOUND_S} s")
        return None
    except httpx.TransportError as exc:
        tally.faults.append(f"{name} {str(request)[:200]}: connection failed ({exc!r})")
        return None
    tally.sent += 1
    status = response.status_code
    tally.by_class[status // 100] = tally.by_class.get(status // 100, 0) + 1
    where = f"{name} {str(request)[:200]}"
    if status >= 500 and not (status == 503 and "retry-after" in response.headers):
        tally.faults.append(f"{where}: {status} {response.text[:300]}")
    elif 400 <= status < 500 and not _in_error_format(response.request.url.path, response):
        tally.faults.append(f"{where}: {status} not in the error format: {response.text[:300]}")
    return status


def test_no_hostile_request_gets_a_fault_or_stores_anything(target: Target) -> None:
    document = httpx.get(target.base + "/openapi.json", timeout=30).json()
    tally = Tally()
    stored: list[str] = []
    with httpx.Client(base_url=target.base) as client:
        for path, item in document["paths"].items():
            for method, operation in item.items():
                name = f"{method.upper()} {path}"
                if method not in ("get", "post", "put", "patch", "delete") or name in STREAMS:
                    continue
                before = _row_counts(target.database_url) if method != "get" else None
                statuses = []
                for number, request in enumerate(_requests(path, method, operation)):
                    # Most with every role (to reach past the role checks), every fifth without a token.
                    signed_in = number % 5 != 4
                    request["headers"] = [*request.get("headers", []), *(target.everyone.items() if signed_in else [])]
                    statuses.append(_send(client, method, request, tally, name))
                if before is not None and statuses and all(s is not None and s >= 400 for s in statuses):
                    after = _row_counts(target.database_url)
                    changed = {t: (before.get(t), n) for t, n in after.items() if before.get(t) != n}
                    if changed:
                        stored.append(f"{name}: every request refused, yet rows changed: {changed}")
    LOG.info("%s: %d hostile requests, answers by class %s", target.name, tally.sent, sorted(tally.by_class.items()))
    assert tally.sent > 500, tally
    assert not tally.faults, f"{len(tally.faults)} faults:\n" + "\n".join(tally.faults[:40])
    assert not stored, "\n".join(stored)


def test_racing_requests_on_one_key_store_one_report(target: Target) -> None:
    if target.name != "report_it":
        pytest.skip("the race is run where anonymous clients create: Report IT's intake")
    from concurrent.futures import ThreadPoolExecutor

    key = f"race-{uuid.uuid4().hex}"
    bodies = [
        {"category": "litter", "location": {"lat": 53.545, "long": -2.632}, "description": f"Race {i % 2}"}
        for i in range(12)
    ]
    before = _row_counts(target.database_url)["report"]
    with httpx.Client(base_url=target.base, timeout=REQUEST_BOUND_S) as client, ThreadPoolExecutor(6) as pool:
        answers = list(
            pool.map(lambda body: client.post("/v1/reports", json=body, headers={"Idempotency-Key": key}), bodies)
        )
    statuses = sorted(a.status_code for a in answers)
    assert all(s in (201, 409, 422) for s in statuses), statuses
    created = {a.json()["id"] for a in answers if a.status_code == 201}
    assert len(created) == 1, statuses
    assert _row_counts(target.database_url)["report"] == before + 1
    assert all(_in_error_format("/v1/reports", a) for a in answers if a.status_code >= 400)
