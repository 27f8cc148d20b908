"""Request bodies on every service: a size limit before reading, and no body read for a caller without a token."""

from __future__ import annotations

import importlib
import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from deal_shared.auth import AuthSettings
from deal_shared.web.body_limit import DEFAULT_BODY_LIMIT_BYTES
from tests.support.server import serve

SERVICES = ("report_it", "footprints", "volunteering")
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def build(service: str, url: str, dev_key: Path, tmp_path: Path) -> FastAPI:
    config = importlib.import_module(f"{service}.config")
    importlib.import_module(f"{service}.db").migrate(url)
    extra = {"photo_dir": tmp_path / "photos", "run_deliverer": False} if service == "report_it" else {}
    settings = config.Settings(
        database_url=url, environment="test", auth=AuthSettings(dev_mode=True, dev_key_path=dev_key), **extra
    )
    return importlib.import_module(f"{service}.main").create_app(settings)


@pytest.fixture(scope="module", params=SERVICES)
def service(request, database_factory, dev_key, tmp_path_factory) -> Iterator[tuple[FastAPI, httpx.Client]]:
    name = request.param
    app = build(name, database_factory(f"bodies_{name}"), dev_key, tmp_path_factory.mktemp(name))
    with serve(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield app, client


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "00000000-0000-4000-8000-000000000000", path)


def token_writes(client: httpx.Client) -> list[tuple[str, str]]:
    """The writes the service documents as needing a token (a 401 among their answers)."""
    spec = client.get("/openapi.json").json()
    return sorted(
        (method.upper(), concrete(path))
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method.upper() in WRITES and "401" in operation.get("responses", {})
    )


def test_every_write_that_needs_a_token_says_401_before_reading_the_body(service) -> None:
    _, client = service
    writes = token_writes(client)
    assert len(writes) >= 5  # the walk found the service's staff writes
    wrong = []
    for method, path in writes:
        answer = client.request(method, path, content=b'{"not json', headers={"Content-Type": "application/json"})
        if answer.status_code != 401 or answer.json().get("code") != "Unauthenticated":
            wrong.append((method, path, answer.status_code, answer.text[:120]))
    assert not wrong


def test_a_declared_body_over_the_limit_is_refused_before_it_is_sent(service, token_for) -> None:
    _, client = service
    url = httpx.URL(str(client.base_url))
    token = token_for("staff", "manager", "admin")
    head = (
        f"POST /v1/anything HTTP/1.1\r\nHost: {url.host}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {50 * 1024 * 1024}\r\n\r\n"
    )
    # Only the head is sent: the answer must come without the 50 MB the head promises.
    with socket.create_connection((url.host, url.port), timeout=10) as raw:
        raw.sendall(head.encode())
        answer = raw.recv(65536).decode("latin-1")
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    body = json.loads(answer.split("\r\n\r\n", 1)[1])
    assert body["code"] == "PayloadTooLarge" and body["limit_bytes"] == DEFAULT_BODY_LIMIT_BYTES


def test_a_sent_body_over_the_limit_is_a_413_problem(service, token_for) -> None:
    _, client = service
    staff = {"Authorization": f"Bearer {token_for('staff', 'manager', 'admin')}"}
    big = b'{"text": "' + b"x" * DEFAULT_BODY_LIMIT_BYTES + b'"}'
    answer = client.post("/v1/anything", content=big, headers={**staff, "Content-Type": "application/json"})
    assert answer.status_code == 413
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == "PayloadTooLarge"


def test_a_streamed_body_is_cut_off_at_the_limit(service, token_for) -> None:
    _, client = service
    staff = {"Authorization": f"Bearer {token_for('staff', 'manager', 'admin')}"}
    method, path = next(w for w in token_writes(client) if w[0] == "POST")
    sent = 0

    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked, as a client streaming a body sends it
        nonlocal sent
        yield b'{"text": "'
        for _ in range(64):
            sent += 64 * 1024
            yield b"x" * (64 * 1024)
        yield b'"}'

    answer = client.request(method, path, content=chunks(), headers={**staff, "Content-Type": "application/json"})
    assert answer.status_code == 413, answer.text
    assert answer.json()["code"] == "PayloadTooLarge"
