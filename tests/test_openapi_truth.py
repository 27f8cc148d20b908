"""Each service's /openapi.json is a valid OpenAPI document that says what the service really answers.

Per service: the document validates, every `$ref` resolves, every operation has a summary, no FastAPI
`HTTPValidationError` is left, and then schemathesis sends a few generated requests to every operation of the
service running over real HTTP (with a token holding every role, so the routes behind roles are reached), both
requests that fit the document and requests that break it, and checks each answer: its status is documented, its
content type is the documented one, its body matches the documented schema, and it is not a 500. Few examples per
operation and a fixed seed keep it small (about a minute for the three) and repeatable.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import jsonschema
import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis.errors import Unsatisfiable
from openapi_spec_validator import validate
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from deal_shared.auth import AuthSettings, Role
from tests.support.server import serve

CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 5
# Operations whose answer never ends (server-sent events): their documentation is checked, not their stream.
STREAMS = {"GET /v1/triage/events"}
# Nobody closes: any port that refuses connections stands in for a peer service.
NO_PEER = "http://127.0.0.1:9"


@dataclass
class Running:
    base: str
    headers: dict[str, str]


def _report_it(url: str, dev_key, tmp_path) -> Any:
    from sqlmodel import Session

    from deal_shared.db import make_engine
    from report_it.categories import seed_categories
    from report_it.config import Settings
    from report_it.db import migrate
    from report_it.main import create_app

    migrate(url)
    engine = make_engine(url)
    with Session(engine) as session:
        seed_categories(session)
        session.commit()
    engine.dispose()
    return create_app(
        Settings(
            database_url=url,
            environment="test",
            photo_dir=tmp_path,
            auth=AuthSettings(dev_mode=True, dev_key_path=dev_key),
            smtp_host="127.0.0.1",
            smtp_port=9,
            footprints_url=NO_PEER,
            run_deliverer=False,
            run_router=False,
        )
    )


def _footprints(url: str, dev_key, tmp_path) -> Any:
    from sqlmodel import Session

    from deal_shared.db import make_engine
    from footprints.config import Settings
    from footprints.db import migrate
    from footprints.main import create_app
    from footprints.places.store import load_illustrative

    migrate(url)
    engine = make_engine(url)
    with Session(engine) as session:
        load_illustrative(session)
        session.commit()
    engine.dispose()
    return create_app(
        Settings(
            database_url=url,
            environment="test",
            auth=AuthSettings(dev_mode=True, dev_key_path=dev_key),
            places_refresh_s=0.0,
            deliver_in_process=False,
        )
    )


def _volunteering(url: str, dev_key, tmp_path) -> Any:
    from volunteering.config import Settings
    from volunteering.db import migrate
    from volunteering.main import create_app

    migrate(url)
    return create_app(
        Settings(
            database_url=url,
            environment="test",
            auth=AuthSettings(dev_mode=True, dev_key_path=dev_key),
            footprints_url=NO_PEER,
            report_it_url=NO_PEER,
            run_background=False,
        )
    )


SERVICES: dict[str, Callable[..., Any]] = {
    "report_it": _report_it,
    "footprints": _footprints,
    "volunteering": _volunteering,
}


@pytest.fixture(scope="module", params=list(SERVICES))
def running(request, dev_key, token_for, tmp_path_factory) -> Iterator[Running]:
    name = request.param
    # What an answer looks like does not depend on the backend: the embedded SQLite one is enough here.
    folder = tmp_path_factory.mktemp(name)
    app = SERVICES[name](f"sqlite:///{folder / (name + '.db')}", dev_key, folder)
    token = token_for(*[role.value for role in Role], sub="openapi.checker")
    with serve(app) as base:
        yield Running(base=base, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture(scope="module")
def document(running: Running) -> dict[str, Any]:
    answer = httpx.get(running.base + "/openapi.json", timeout=30)
    assert answer.status_code == 200
    return answer.json()


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"{ref} points outside the document"
    node: Any = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"{ref} does not resolve"
        node = node[part]
    return node


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in ("get", "put", "post", "delete", "patch"):
                yield f"{method.upper()} {path}", operation


def test_the_document_is_valid_openapi(document):
    validate(document)


def test_every_ref_resolves(document):
    refs = set(_refs(document))
    assert refs, "a document with no shared schemas is not what these services publish"
    for ref in refs:
        _resolve(document, ref)


def test_every_operation_has_a_summary_of_its_own(document):
    # FastAPI makes a summary from the function name ("Get Case") when none is given: that says nothing.
    for name, operation in _operations(document):
        summary = operation.get("summary", "")
        generated = operation["operationId"].split("_v1_")[0].replace("_", " ").title()
        assert summary and summary != generated, f"{name} has no summary of its own"


def test_errors_are_documented_as_problem_details(document):
    assert "HTTPValidationError" not in json.dumps(document)
    for name, operation in _operations(document):
        if "/open311/v2/" in name:
            continue
        if name == "GET /readyz":  # its 503 is its own document: checked by test_a_service_not_ready_...
            continue
        for status, response in operation["responses"].items():
            if status == "default" or int(status) >= 400:
                assert list(response["content"]) == ["application/problem+json"], f"{name} {status}"


def test_open311_answers_are_documented_in_its_formats(document):
    open311 = [(name, op) for name, op in _operations(document) if " /open311/v2/" in name]
    if not open311:
        pytest.skip("this service has no Open311 API")
    for name, operation in open311:
        for status, response in operation["responses"].items():
            assert set(response["content"]) == {"text/xml", "application/json"}, f"{name} {status}"


def _same_typed_tuples_as_arrays(node: Any) -> Any:
    """`prefixItems` of one schema repeated, as the equivalent `items` with a fixed length.

    Both say the same; schemathesis turns a 3.1 `prefixItems` into a draft-4 `items` list and then refuses it when
    checking a response, so the tuple (a bbox's four numbers) is handed to it in the form it reads.
    """
    if isinstance(node, list):
        return [_same_typed_tuples_as_arrays(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _same_typed_tuples_as_arrays(value) for key, value in node.items()}
    prefix = node.get("prefixItems")
    if isinstance(prefix, list) and prefix and all(item == prefix[0] for item in prefix) and "items" not in node:
        node.pop("prefixItems")
        node.update(items=prefix[0], minItems=len(prefix), maxItems=len(prefix))
    return node


def test_answers_match_the_document(running: Running, document):
    schema = schemathesis.openapi.from_dict(_same_typed_tuples_as_arrays(document))
    failures: list[str] = []
    answered: Counter[int] = Counter()
    unavailable: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        name = f"{operation.method.upper()} {operation.path}"
        if name in STREAMS:
            continue
        # Requests that fit the document, and requests that break it (which must be refused as documented).
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @seed(20261206)
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case) -> None:
                response = case.call_and_validate(
                    base_url=running.base, headers=running.headers, checks=CHECKS, timeout=30
                )
                answered[response.status_code // 100 * 100] += 1
                # Documented or not, a 500 is a fault of ours: client input never causes one.
                assert response.status_code != 500, f"{case.method} {case.formatted_path}: {response.text[:500]}"
                if response.status_code >= 500:  # a peer service is not running here: 502/503, as documented
                    unavailable.append(f"{response.status_code} {case.method} {case.formatted_path}")

            # schemathesis reports its findings as an exception group; one entry per failing operation, one run.
            try:
                check()
            except Unsatisfiable:
                # Nothing to break: no input, or only free text. Its fitting requests were checked above.
                assert mode is GenerationMode.NEGATIVE, name
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{name} ({mode}): {str(exc)[:1500]}")
    assert not failures, "\n\n".join(failures)
    # Not only refusals were checked: generated requests reached real answers too.
    assert answered[200] > 0, (answered, unavailable)


def test_a_service_not_ready_answers_as_documented(dev_key, tmp_path):
    # An empty database: migrations are not at head, so /readyz says 503 with its reasons, not a problem document.
    app = _volunteering_unmigrated(f"sqlite:///{tmp_path / 'empty.db'}", dev_key)
    with serve(app) as base:
        answer = httpx.get(base + "/readyz", timeout=30)
        document = httpx.get(base + "/openapi.json", timeout=30).json()
    documented = document["paths"]["/readyz"]["get"]["responses"][str(answer.status_code)]
    assert answer.status_code == 503
    assert answer.headers["content-type"].startswith("application/json")
    schema = _resolve(document, documented["content"]["application/json"]["schema"]["$ref"])
    jsonschema.validate(answer.json(), schema)
    assert answer.json()["reasons"]


def _volunteering_unmigrated(url: str, dev_key) -> Any:
    from volunteering.config import Settings
    from volunteering.main import create_app

    auth = AuthSettings(dev_mode=True, dev_key_path=dev_key)
    settings = Settings(database_url=url, environment="test", auth=auth, run_background=False)
    return create_app(settings)
