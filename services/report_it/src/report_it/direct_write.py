"""Run one write statement, committed by itself, straight on a pooled DBAPI connection.

For the busiest write (a new report with nothing else to store): SQLAlchemy's path through a session, a connection
and an execution context costs more CPU than the rest of the request's own work. The statement is compiled once,
through SQLAlchemy, for the engine's dialect; each value passes through its type's bind processor as it would there,
and a database error comes out as the same `sqlalchemy.exc` error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.expression import Executable

from deal_shared.db_outage import mark_outcome_unknown, note_commit_started


class DirectWrite:
    """`mark`: a key set in the pooled connection's `info` after a write (`nearby_index` counts connections that
    wrote to reports when they come back to the pool)."""

    def __init__(self, statement: Executable, engine: Engine, *, mark: str) -> None:
        dialect = engine.dialect
        compiled = statement.compile(dialect=dialect)
        if (
            compiled.prefetch
            or compiled.literal_execute_params
            or compiled.post_compile_params
            or compiled.escaped_bind_names
        ):
            # Values SQLAlchemy would compute, render or rename at execution time: this path does none of that.
            raise ValueError("DirectWrite needs a statement whose every value is a plain bound parameter")
        self.sql = str(compiled)
        binds = compiled.binds
        self._positional = compiled.positional
        self._names = list(compiled.positiontup or ()) if compiled.positional else list(binds)
        self._converters = [binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in self._names]
        self._engine = engine
        self._dialect = dialect
        self._mark = mark
        # On PostgreSQL the statement runs in autocommit: one round trip, no BEGIN or COMMIT.
        self._autocommit = dialect.name == "postgresql"
        self._dbapi_error: type[Exception] = dialect.loaded_dbapi.Error

    def params(self, values: Mapping[str, Any]) -> dict[str, Any] | list[Any]:
        """The statement's parameters, converted for the driver, from `values` by bind name."""
        converted = [
            convert(values[name]) if convert else values[name]
            for name, convert in zip(self._names, self._converters, strict=True)
        ]
        return converted if self._positional else dict(zip(self._names, converted, strict=True))

    def run(self, values: Mapping[str, Any]) -> None:
        params = self.params(values)
        try:
            connection = self._engine.raw_connection()
        except self._dbapi_error as error:
            # A raw checkout hands the driver's error through unwrapped; nothing was sent, so nothing was saved.
            raise DBAPIError.instance(None, None, error, self._dbapi_error) from error
        try:
            driver = connection.driver_connection
            try:
                self._write(driver, params)
            except self._dbapi_error as error:
                lost = self._dialect.is_disconnect(error, driver, None)
                if lost:
                    # The database went away: the pool's other connections are as dead as this one. Replaced all
                    # at once (as SQLAlchemy does on a lost connection), one failed request is the cost, not one
                    # per pooled connection.
                    connection.invalidate(error)
                    self._engine.dispose()
                elif not self._recovered(driver):
                    connection.invalidate(error)  # never handed out again
                wrapped = DBAPIError.instance(self.sql, params, error, self._dbapi_error, connection_invalidated=lost)
                if lost:
                    # The statement (which commits by itself) or the commit was on the wire when the connection
                    # went: the database may have made it durable or not.
                    mark_outcome_unknown(wrapped)
                raise wrapped from error
            except BaseException:
                connection.invalidate()  # in an unknown state (autocommit, say): never handed out again
                raise
            connection.info[self._mark] = True
        finally:
            connection.close()

    def _write(self, driver: Any, params: dict[str, Any] | list[Any]) -> None:
        note_commit_started()
        cursor = driver.cursor()
        try:
            if not self._autocommit:
                cursor.execute(self.sql, params)
                driver.commit()
                return
            driver.autocommit = True
            try:
                cursor.execute(self.sql, params)
            finally:
                driver.autocommit = False
        finally:
            cursor.close()

    def _recovered(self, driver: Any) -> bool:
        """Put a connection whose statement failed back as the pool expects it; False if that failed too."""
        try:
            if self._autocommit:
                driver.autocommit = False  # the failed statement took no transaction with it
            else:
                driver.rollback()
        except self._dbapi_error:
            return False
        return True
