"""Every operation of every service explains itself in its OpenAPI document: a summary and a description.

The apps are built as the services build them (`create_app(settings)`) and asked for their document without
being started: nothing in a document needs the database, so no lifespan runs and no peer is called. A description
comes from the endpoint's docstring, or `description=` on its decorator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from deal_shared.auth import AuthSettings


def _auth(folder: Path) -> AuthSettings:
    return AuthSettings(dev_mode=True, dev_key_path=folder / "dev-key.pem")


def _report_it(folder: Path) -> Any:
    from report_it.config import Settings
    from report_it.main import create_app

    return create_app(
        Settings(
            database_url=f"sqlite:///{folder / 'report_it.db'}",
            environment="test",
            photo_dir=folder,
            auth=_auth(folder),
        )
    )


def _footprints(folder: Path) -> Any:
    from footprints.config import Settings
    from footprints.main import create_app

    return create_app(
        Settings(database_url=f"sqlite:///{folder / 'footprints.db'}", environment="test", auth=_auth(folder))
    )


def _volunteering(folder: Path) -> Any:
    from volunteering.config import Settings
    from volunteering.main import create_app

    return create_app(
        Settings(database_url=f"sqlite:///{folder / 'volunteering.db'}", environment="test", auth=_auth(folder))
    )


SERVICES: dict[str, Callable[[Path], Any]] = {
    "report_it": _report_it,
    "footprints": _footprints,
    "volunteering": _volunteering,
}


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in ("get", "put", "post", "delete", "patch"):
                yield f"{method.upper()} {path}", operation


@pytest.fixture(params=list(SERVICES))
def document(request, tmp_path: Path) -> dict[str, Any]:
    return SERVICES[request.param](tmp_path).openapi()


def test_the_document_has_operations(document):
    assert len(list(_operations(document))) > 10


def test_every_operation_has_a_summary_and_a_description(document):
    missing = [
        name
        for name, operation in _operations(document)
        if not operation.get("summary", "").strip() or not operation.get("description", "").strip()
    ]
    assert not missing, f"operations without a summary or a description: {missing}"


def test_a_description_says_more_than_its_summary(document):
    for name, operation in _operations(document):
        assert operation["description"].strip() != operation["summary"].strip(), name
