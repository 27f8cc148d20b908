"""Readiness against the schema: a pod is ready on any schema its code can run on, not only on its own head.

Migrations are expand/contract (see deploy/README.md): release N+1's migrations only add (nullable columns, columns
with a server default, tables, indexes), so release N's code keeps running on N+1's schema while a roll-out is under
way, and after a roll-back. Demanding an exact revision would turn every old pod unready the moment the next
release's migration Job runs, and a rolled-back pod would never be ready.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, inspect

ReadinessCheck = Callable[[], "str | None"]


def schema_gaps(connection: Connection, metadata: MetaData) -> list[str]:
    """What this code needs that the database lacks, or has in a shape the code cannot write to. Empty when it fits.

    A column the code does not know about is fine unless the code's inserts would fail on it (NOT NULL, no default):
    that is a contract step that came too early, or an expand step done wrong."""
    inspector = inspect(connection)
    present = set(inspector.get_table_names())
    gaps: list[str] = []
    for table in metadata.sorted_tables:
        if table.name not in present:
            gaps.append(f"table {table.name} missing")
            continue
        columns = {column["name"]: column for column in inspector.get_columns(table.name)}
        known = {column.name for column in table.columns}
        gaps.extend(f"column {table.name}.{name} missing" for name in sorted(known - set(columns)))
        for name in sorted(set(columns) - known):
            column = columns[name]
            if not column["nullable"] and column.get("default") is None:
                gaps.append(f"column {table.name}.{name} is NOT NULL without a default")
    return gaps


def schema_readiness(engine: Engine, migrations_dir: Path, metadata: MetaData) -> ReadinessCheck:
    """Ready at the code's head (one cheap query); on any other revision, ready if the tables fit the code.

    The structural check runs once per revision seen (the answer cannot change until a migration moves the
    revision), so a probe every few seconds costs one query."""
    script = ScriptDirectory(str(migrations_dir))
    heads = set(script.get_heads())
    verdicts: dict[frozenset[str], str | None] = {}

    def check() -> str | None:
        try:
            with engine.connect() as connection:
                current = frozenset(MigrationContext.configure(connection).get_current_heads())
                if current == heads:
                    return None
                if current not in verdicts:
                    verdicts[current] = _verdict(connection, current)
        except Exception as exc:  # any driver error means "not ready", with the reason
            return f"database unreachable: {type(exc).__name__}"
        return verdicts[current]

    def _verdict(connection: Connection, current: frozenset[str]) -> str | None:
        if not current:
            return "database not migrated (no alembic revision)"
        gaps = schema_gaps(connection, metadata)
        if not gaps:
            return None
        known = {revision for revision in current if revision_known(script, revision)}
        where = "behind the code's head" if known == current else "from another release"
        return f"schema at {sorted(current)} ({where}; code head {sorted(heads)}) does not fit this code: " + "; ".join(
            gaps[:5]
        )

    return check


def revision_known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except Exception:  # alembic raises its own errors for revisions it has never seen
        return False
