"""SQLite under concurrent writers: a transaction opened by a savepoint queues for the lock like any other."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session

from deal_shared.db import make_engine


def test_a_savepoint_transaction_writes_after_another_connection_committed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'locks.db'}"
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (n integer)"))
        connection.execute(text("INSERT INTO counter VALUES (0)"))
    other_wrote = threading.Event()
    failures: list[BaseException] = []

    def other_writer() -> None:
        try:
            with Session(engine) as session:
                session.execute(text("UPDATE counter SET n = n + 1"))
                session.commit()
        except BaseException as exc:  # reported to the test below
            failures.append(exc)
        other_wrote.set()

    with Session(engine) as session:
        with session.begin_nested():  # as the triage bulk actions and the idempotency claims do
            assert session.execute(text("SELECT n FROM counter")).scalar_one() == 0
            writer = threading.Thread(target=other_writer)
            writer.start()
            # Without the write lock the other connection commits here, and the update below finds its
            # snapshot stale: "database is locked" at once. With it, the other waits for this commit.
            other_wrote.wait(1.0)
            session.execute(text("UPDATE counter SET n = n + 10"))
        session.commit()
    writer.join(35)
    assert not failures
    with engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM counter")).scalar_one() == 11
    engine.dispose()
