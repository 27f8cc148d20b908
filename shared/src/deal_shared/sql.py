"""Small SQL building blocks the services share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY


def one_of(column: Any, values: Sequence[Any], *, dialect: str) -> ColumnElement[bool]:
    """`column IN (values)`; on PostgreSQL `column = ANY(:values)`, one array parameter.

    An IN list has one placeholder per value, so each length is a new statement text: psycopg parses it afresh
    (a list of a thousand ids took 10 ms a request) and PostgreSQL plans it afresh. One array keeps one text."""
    if dialect == "postgresql":
        return column == any_(bindparam(None, value=list(values), type_=ARRAY(column.type)))
    return column.in_(list(values))


def one_of_param(column: Any, name: str, *, dialect: str) -> ColumnElement[bool]:
    """As `one_of`, with the values bound later under `name` (for statements built once)."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))
