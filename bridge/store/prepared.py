"""SELECTs run without SQLAlchemy's per-execution set-up, for the reads every client request
makes.

SQLAlchemy caches a statement's compiled form, yet each execution still builds an execution
context and a result with its processing: about 35 µs of a GET's 200 on SQLite, more than
the query itself. A ``Prepared`` statement is compiled once per dialect and its SQL handed
to the cursor of a connection the engine checked out (the pool, its checks and PostgreSQL's
autocommit for reads apply as before); the row is converted by the column types' own result
processors (SQLite's 0/1 to bool), so callers get what SQLAlchemy would give them. If the
driver fails, or someone watches the engine's statements (tests counting them, tracing),
the statement runs through SQLAlchemy instead: its usual error (scrubbed, a dead connection
invalidated), its usual events.
"""

from __future__ import annotations

import weakref
from typing import Any, Mapping

from sqlalchemy.engine import Connection, Dialect, Engine, Result
from sqlalchemy.sql import Select


class Prepared:
    def __init__(self, statement: Select):
        self.statement = statement
        self.keys = tuple(statement.selected_columns.keys())
        self._plans: weakref.WeakKeyDictionary[Dialect, _Plan] = weakref.WeakKeyDictionary()

    def first(self, engine: Engine, params: Mapping[str, Any]) -> dict[str, Any] | None:
        """The first row, column key → value (None if there is none)."""
        with engine.connect() as conn:
            if _watched(conn):
                return _first_of(conn.execute(self.statement, params))
            plan = self._plans.get(conn.dialect)
            if plan is None:
                plan = self._plans[conn.dialect] = _Plan(self.statement, conn.dialect)
            try:
                row = plan.first(conn, params)
            except conn.dialect.loaded_dbapi.Error:
                return _first_of(conn.execute(self.statement, params))
        return None if row is None else dict(zip(self.keys, row))


class _Plan:
    """The statement compiled for one dialect: its SQL, how parameters are passed, and (from
    the first row's cursor description) which columns need converting."""

    def __init__(self, statement: Select, dialect: Dialect):
        compiled = statement.compile(dialect=dialect)
        binds = compiled.binds
        if compiled.post_compile_params or compiled.escaped_bind_names \
                or not all(b.required for b in binds.values()):
            raise ValueError("only statements whose parameters are all plain, named and "
                             "given at each run can be prepared")
        self.sql, self.dialect, self.positional = compiled.string, dialect, compiled.positional
        names = compiled.positiontup if compiled.positional else list(binds)
        self.names = tuple(names)
        self.binds = [(binds[name].key,
                       binds[name].type.dialect_impl(dialect).bind_processor(dialect))
                      for name in names]
        self.types = [c.type.dialect_impl(dialect) for c in statement.selected_columns]
        self.processors: list | None = None

    def parameters(self, params: Mapping[str, Any]):
        values = [params[key] if process is None else process(params[key])
                  for key, process in self.binds]
        return tuple(values) if self.positional else dict(zip(self.names, values))

    def first(self, conn: Connection, params: Mapping[str, Any]) -> list | tuple | None:
        cursor = conn.connection.cursor()
        try:
            cursor.execute(self.sql, self.parameters(params))
            row = cursor.fetchone()
            processors = self.processors
            if processors is None:      # as SQLAlchemy: by type and the driver's column type
                processors = self.processors = [
                    (n, p) for n, (kind, described) in enumerate(zip(self.types,
                                                                     cursor.description))
                    if (p := kind.result_processor(self.dialect, described[1])) is not None]
        finally:
            cursor.close()
        if row is not None and processors:
            row = list(row)
            for n, process in processors:
                row[n] = process(row[n])
        return row


def _watched(conn: Connection) -> bool:
    dispatch = conn.dispatch
    return bool(dispatch.before_cursor_execute or dispatch.after_cursor_execute)


def _first_of(result: Result) -> dict[str, Any] | None:
    row = result.first()
    return None if row is None else dict(row._mapping)
