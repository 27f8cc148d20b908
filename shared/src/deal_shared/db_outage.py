"""What a request can tell its client when the database goes away: whether anything was saved.

An error before the commit was sent means the transaction never happened: nothing was saved, and saying so lets the
client retry without a second thought. An error while the commit (or a statement that commits by itself) was on the
wire means the database may or may not have made it durable: the client is told the outcome is unknown and that a
retry with the same Idempotency-Key returns the original answer if it was saved. A request that had already
committed something earlier is not told "nothing was saved" either.

The engine events here (installed by `make_engine`) mark the errors raised while a commit was in flight; a context
variable set per request (by the request middleware) records whether any commit began during it.
"""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Literal

from sqlalchemy import Engine, event, exc

Saved = Literal["no", "unknown"]

_OUTCOME_UNKNOWN = "_deal_outcome_unknown"

# One mutable flag per request: worker threads run with a copy of the request's context, which still points at the
# same list, so a commit begun in a thread is seen by the error handler on the event loop.
_request_commits: ContextVar[list[bool] | None] = ContextVar("request_commits", default=None)


@contextmanager
def tracking_commits() -> Iterator[None]:
    token = _request_commits.set([])
    try:
        yield
    finally:
        _request_commits.reset(token)


def note_commit_started() -> None:
    """A commit of this request went on the wire (called by the engine event and by direct writes)."""
    commits = _request_commits.get()
    if commits is not None:
        commits.append(True)


def commit_started_in_request() -> bool:
    return bool(_request_commits.get())


def mark_outcome_unknown(error: BaseException) -> BaseException:
    setattr(error, _OUTCOME_UNKNOWN, True)
    return error


def outcome_unknown(error: BaseException) -> bool:
    return bool(getattr(error, _OUTCOME_UNKNOWN, False))


def _raw_driver_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [sqlite3.OperationalError, sqlite3.InterfaceError]
    try:
        import psycopg
    except ImportError:  # a service on SQLite alone need not have the PostgreSQL driver
        pass
    else:
        errors += [psycopg.OperationalError, psycopg.InterfaceError]
    return tuple(errors)


_RAW_UNAVAILABLE = _raw_driver_errors()

# Every class an unavailable database is raised as (DBAPIError covers SQLAlchemy's wrapped errors of every kind).
DATABASE_ERROR_CLASSES: tuple[type[BaseException], ...] = (
    exc.DBAPIError,
    exc.DisconnectionError,
    exc.TimeoutError,
    *_RAW_UNAVAILABLE,
)


# PostgreSQL's lock_not_available: a statement gave up waiting for a lock (lock_timeout, or NOWAIT).
_LOCK_NOT_AVAILABLE = "55P03"


def lock_wait_timed_out(error: BaseException) -> bool:
    """True when a statement gave up waiting for another transaction's lock: the database is there, but busy."""
    driver_error = getattr(error, "orig", None) or error
    return getattr(driver_error, "sqlstate", None) == _LOCK_NOT_AVAILABLE


def database_unavailable(error: BaseException) -> bool:
    """True for any error that means the database cannot be used just now (down, restarting, unreachable, its pool
    exhausted), whether SQLAlchemy wrapped the driver's error or the driver's own came through (a raw pool checkout
    does not wrap it)."""
    if isinstance(error, exc.OperationalError | exc.InterfaceError | exc.DisconnectionError | exc.TimeoutError):
        return True
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, _RAW_UNAVAILABLE)


def saved_state(error: BaseException) -> Saved:
    """ "no" only when it is known that this request saved nothing."""
    if outcome_unknown(error) or commit_started_in_request():
        return "unknown"
    return "no"


def watch_commits(engine: Engine) -> None:
    """Mark errors raised by a commit in flight, and note each commit's start for the request."""

    # The connections whose commit is on the wire. Kept beside them, not in their `info`: that cannot be read once a
    # lost connection has been invalidated.
    committing: weakref.WeakSet = weakref.WeakSet()

    @event.listens_for(engine, "begin")
    def _begun(connection) -> None:
        committing.discard(connection)

    @event.listens_for(engine, "commit")
    def _committing(connection) -> None:
        committing.add(connection)
        note_commit_started()

    @event.listens_for(engine, "rollback")
    def _rolled_back(connection) -> None:
        committing.discard(connection)

    @event.listens_for(engine, "handle_error")
    def _failed(context) -> None:
        connection = context.connection
        # A commit's failure comes with no statement; a statement's failure after a commit began cannot happen on
        # the same connection until the next BEGIN clears the flag.
        if connection is not None and context.statement is None and connection in committing:
            committing.discard(connection)
            if context.sqlalchemy_exception is not None:
                mark_outcome_unknown(context.sqlalchemy_exception)
            mark_outcome_unknown(context.original_exception)
