"""deal_shared.idempotency on PostgreSQL and SQLite: claim, replay, refuse another body, wait for or refuse a holder."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel

from deal_shared import idempotency
from deal_shared.db import make_engine, new_registry
from deal_shared.idempotency import (
    IdempotencyKeyInFlight,
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
    IdempotencyRecordBase,
    Replay,
    check_key,
    claim,
    remember,
    scoped_key,
)

registry = new_registry()


class Table(SQLModel, registry=registry):
    pass


class Record(IdempotencyRecordBase, Table, table=True):
    __tablename__ = "idempotency_record"


@pytest.fixture()
def engine(database_factory) -> Engine:
    engine = make_engine(database_factory("idempotency"))
    registry.metadata.create_all(engine)
    yield engine
    engine.dispose()


def answered(engine: Engine, key: str, request_hash: str, body: dict) -> Replay | None:
    with Session(engine) as session:
        replay = claim(session, model=Record, key=key, request_hash=request_hash)
        if replay is None:
            remember(session, model=Record, key=key, status_code=201, body=body)
            session.commit()
        return replay


def test_the_first_answer_is_replayed_and_another_body_refused(engine) -> None:
    key = str(uuid.uuid4())
    assert answered(engine, key, "a" * 64, {"id": 1}) is None
    assert answered(engine, key, "a" * 64, {"id": 2}) == Replay(201, {"id": 1})
    with pytest.raises(IdempotencyKeyReused):
        answered(engine, key, "b" * 64, {"id": 3})


def test_a_key_claimed_by_a_transaction_that_rolls_back_is_free_again(engine) -> None:
    key = str(uuid.uuid4())
    with Session(engine) as session:
        assert claim(session, model=Record, key=key, request_hash="h") is None
        session.rollback()
    assert answered(engine, key, "h", {"ok": True}) is None


def test_a_holder_still_working_makes_others_wait_then_409(engine, monkeypatch) -> None:
    monkeypatch.setattr(idempotency, "IN_FLIGHT_WAIT_S", 0.2)
    key = str(uuid.uuid4())
    holder = Session(engine)
    try:
        assert claim(holder, model=Record, key=key, request_hash="h") is None
        started = time.monotonic()
        with pytest.raises(IdempotencyKeyInFlight) as refused, Session(engine) as other:
            claim(other, model=Record, key=key, request_hash="h")
        assert time.monotonic() - started >= 0.2
        assert refused.value.status_code == 409 and refused.value.headers["Retry-After"] == "1"
    finally:
        holder.close()


def test_a_waiting_duplicate_gets_the_holders_answer_once_it_commits(engine) -> None:
    key = str(uuid.uuid4())
    holder = Session(engine)
    assert claim(holder, model=Record, key=key, request_hash="h") is None
    results: list = []

    def duplicate() -> None:
        with Session(engine) as other:
            results.append(claim(other, model=Record, key=key, request_hash="h"))

    waiting = threading.Thread(target=duplicate)
    waiting.start()
    time.sleep(0.2)
    remember(holder, model=Record, key=key, status_code=200, body={"done": True})
    holder.commit()
    holder.close()
    waiting.join(timeout=5)
    assert results == [Replay(200, {"done": True})]


def test_keys_are_checked_and_scoped() -> None:
    assert check_key(None) is None and check_key(" k ") == "k"
    for bad in ("", "k" * 201, "a\tb"):
        with pytest.raises(IdempotencyKeyInvalid):
            check_key(bad)
    long = "x" * 200
    assert len(scoped_key("POST /v1/a", "someone", long)) <= 200
    assert scoped_key("POST /v1/a", "someone", long) != scoped_key("POST /v1/b", "someone", long)
    assert len(scoped_key("POST /" + "p" * 300, "someone", "k")) <= 200
