"""Insert one whole row, committed by itself, straight on a pooled DBAPI connection.

For the busiest write (a new report with nothing else to store): SQLAlchemy's path through a session, a
connection and an execution context costs more CPU than the rest of the request's own work. The statement is
compiled once, through SQLAlchemy, for the engine's dialect, and each value passes through its column type's
bind processor as it would there; a database error comes out as the same `sqlalchemy.exc` error.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, Table, bindparam, insert
from sqlalchemy.exc import DBAPIError


class DirectInsert:
    """`mark`: a key set in the pooled connection's `info` after a write (see `nearby_index`, which counts
    connections that wrote to reports when they come back to the pool)."""

    def __init__(self, table: Table, engine: Engine, *, mark: str) -> None:
        dialect = engine.dialect
        statement = insert(table).values({column: bindparam(column.key, type_=column.type) for column in table.columns})
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        self._positional = compiled.positional
        names = list(compiled.positiontup or ()) if compiled.positional else [c.key for c in table.columns]
        self._converters = [(name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in names]
        self._engine = engine
        self._mark = mark
        # On PostgreSQL the INSERT runs in autocommit: one round trip, no BEGIN or COMMIT.
        self._autocommit = dialect.name == "postgresql"
        self._dbapi_error: type[Exception] = dialect.loaded_dbapi.Error

    def params(self, row: Any) -> dict[str, Any] | list[Any]:
        """The statement's parameters for `row` (its column values read as attributes), converted for the driver."""
        values = [convert(getattr(row, name)) if convert else getattr(row, name) for name, convert in self._converters]
        return values if self._positional else dict(zip((name for name, _ in self._converters), values, strict=True))

    def run(self, row: Any) -> None:
        params = self.params(row)
        connection = self._engine.raw_connection()
        try:
            driver = connection.driver_connection
            try:
                self._write(driver, params)
            except self._dbapi_error as error:
                # Whatever state the failure left this connection in, it is not handed out again.
                connection.invalidate(error)
                raise DBAPIError.instance(
                    self.sql, params, error, self._dbapi_error, connection_invalidated=True
                ) from error
            connection.info[self._mark] = True
        finally:
            connection.close()

    def _write(self, driver: Any, params: dict[str, Any] | list[Any]) -> None:
        if self._autocommit:
            driver.autocommit = True
        cursor = driver.cursor()
        try:
            cursor.execute(self.sql, params)
        finally:
            cursor.close()
        if self._autocommit:
            driver.autocommit = False
        else:
            driver.commit()
