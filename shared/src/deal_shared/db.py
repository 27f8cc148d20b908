"""Database plumbing every service shares: engines for PostgreSQL and SQLite, naming, migration checks."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, DateTime, Engine, MetaData, TypeDecorator, create_engine, event, exc
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import make_url
from sqlalchemy.orm import registry

from deal_shared.db_outage import watch_commits
from deal_shared.schema_readiness import revision_known, schema_readiness

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_registry() -> registry:
    """A registry of a service's own: its tables never mix with another service's metadata."""
    return registry(metadata=MetaData(naming_convention=NAMING_CONVENTION))


def normalise_url(url: str) -> str:
    """Accept plain `postgresql://` URLs (as operators write them) and use the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, *, pool_size: int = 10, max_overflow: int | None = None) -> Engine:
    """The engine of `url`; on PostgreSQL a pool of `pool_size` connections and `max_overflow` more at a peak
    (as many again unless given)."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "savepoint", _sqlite_savepoint_takes_the_write_lock)
        watch_commits(engine)
        return engine
    overflow = pool_size if max_overflow is None else max_overflow
    engine = create_engine(url, pool_size=pool_size, max_overflow=overflow, pool_recycle=1800)
    _ping_connections_left_idle(engine)
    watch_commits(engine)
    return engine


# A connection used within the last few seconds is alive; pinging it on every checkout would add a round trip to
# every request. One left idle longer (a database restart may have killed it) is pinged before it is handed out.
IDLE_PING_SECONDS = 10.0


def _ping_connections_left_idle(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _stamp(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
        if time.monotonic() - record.info.get("idle_since", 0.0) < IDLE_PING_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception:
            alive = False
        if not alive:
            # The pool discards this connection and checks out (or opens) another.
            raise exc.DisconnectionError("connection went away while idle")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers proceed while one writer writes; busy_timeout queues writers instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_savepoint_takes_the_write_lock(connection, _name) -> None:
    """Open the transaction a first SAVEPOINT would open, as BEGIN IMMEDIATE.

    Python's sqlite3 begins a transaction itself only before a write, and then waits (busy_timeout) for the lock.
    A SAVEPOINT issued outside a transaction opens a deferred one instead: its reads pin a snapshot, and its first
    write fails at once with "database is locked" if another connection committed meanwhile, since waiting cannot
    help a stale snapshot. Taking the write lock up front makes that write queue like any other."""
    dbapi_connection = connection.connection.dbapi_connection
    if not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN IMMEDIATE")


def alembic_config(ini_path: Path, url: str) -> Config:
    config = Config(str(ini_path))
    config.set_main_option("script_location", str(ini_path.parent / "migrations"))
    # ConfigParser treats % as interpolation; URLs may contain escaped characters.
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade_to_head(ini_path: Path, url: str) -> None:
    """Bring the schema to this code's head; a schema a later release has already moved on is left alone.

    After a roll-back the database carries the newer release's (expand-only) revisions, which this code's scripts
    do not know: alembic would fail on them, and there is nothing to do (readiness says whether the code fits)."""
    config = alembic_config(ini_path, url)
    if ahead := revisions_unknown_here(ini_path, url):
        logging.getLogger(__name__).warning("schema is at a later release's revision %s: nothing to migrate", ahead)
        return
    command.upgrade(config, "head")


def revisions_unknown_here(ini_path: Path, url: str) -> list[str]:
    """The database's alembic revisions that this code's migrations do not contain (a later release's)."""
    script = ScriptDirectory(str(ini_path.parent / "migrations"))
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_heads()
    finally:
        engine.dispose()
    return [revision for revision in current if not revision_known(script, revision)]


def migration_readiness(engine: Engine, ini_path: Path, metadata: MetaData):
    """Ready on any schema this code can run on: its own head, or a later release's expanded schema."""
    return schema_readiness(engine, ini_path.parent / "migrations", metadata)


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetimes on every backend: SQLite hands back naive values, which we read as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: give a timezone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)
