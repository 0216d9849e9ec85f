"""SELECTs run without SQLAlchemy's per-execution set-up, for the reads every client request
makes.

SQLAlchemy caches a statement's compiled form, yet each execution still builds a Connection,
an execution context and a result with its processing: about 35 µs of a GET's 200 on SQLite,
more than the query itself. A ``Prepared`` statement is compiled once per dialect and its SQL
handed to the cursor of a connection checked out of the engine's pool (its checks apply as
before) at the engine's isolation level (PostgreSQL reads: autocommit); the row is converted
by the column types' own result processors (SQLite's 0/1 to bool), so callers get what
SQLAlchemy would give them. If the driver fails (a dead connection is invalidated), or
someone watches the engine's statements (tests counting them, tracing), the statement runs
through SQLAlchemy instead: its usual answer or error (scrubbed), its usual events."""

from __future__ import annotations

import weakref
from typing import Any, Mapping

from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql import Select


class Prepared:
    def __init__(self, statement: Select):
        self.statement = statement
        self.keys = tuple(statement.selected_columns.keys())
        self._plans: weakref.WeakKeyDictionary[Dialect, _Plan] = weakref.WeakKeyDictionary()

    def first(self, engine: Engine, params: Mapping[str, Any]) -> dict[str, Any] | None:
        """The first row, column key → value (None if there is none)."""
        dialect = engine.dialect
        if _watched(engine):
            return self._through_sqlalchemy(engine, params)
        plan = self._plans.get(dialect)
        if plan is None:
            plan = self._plans[dialect] = _Plan(self.statement, dialect)
        # The engine's isolation level (PostgreSQL reads: autocommit), as its connections get.
        isolation = engine.get_execution_options().get("isolation_level")
        try:
            pooled = engine.raw_connection()
        except dialect.loaded_dbapi.Error:     # SQLAlchemy's error (wrapped), or a new try
            return self._through_sqlalchemy(engine, params)
        try:
            if isolation is not None:
                dialect.set_isolation_level(pooled.dbapi_connection, isolation)
            try:
                row = plan.first(pooled, params)
            finally:
                if isolation is not None:
                    dialect.reset_isolation_level(pooled.dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, pooled.dbapi_connection, None):
                pooled.invalidate(error)
            pooled.close()
            return self._through_sqlalchemy(engine, params)
        pooled.close()
        return None if row is None else dict(zip(self.keys, row))

    def _through_sqlalchemy(self, engine: Engine, params: Mapping[str, Any]):
        with engine.connect() as conn:
            row = conn.execute(self.statement, params).first()
        return None if row is None else dict(row._mapping)


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

    def first(self, pooled: PoolProxiedConnection,
              params: Mapping[str, Any]) -> list | tuple | None:
        cursor = pooled.cursor()
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


def _watched(engine: Engine) -> bool:
    dispatch = engine.dispatch
    return bool(dispatch.before_cursor_execute or dispatch.after_cursor_execute)
