"""Diff-upsert: write only rows that changed, count inserted / updated / deleted.

Rows of a *scope* (e.g. all enrolments of one course) are compared with what the
store holds; unchanged rows are not written, so a rerun on unchanged data writes
nothing. Rows that vanished from Moodle are soft-deleted (``deleted_at``) where the
table has that column, otherwise removed.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, ColumnElement, delete, insert, select, tuple_, update
from sqlalchemy.orm import Session


def _pk_names(model: type) -> list[str]:
    return [c.name for c in model.__table__.primary_key.columns]


def _keyfunc(pk: list[str]) -> Callable[[dict[str, Any]], tuple]:
    """A row's primary key as a tuple (``itemgetter``: a fifth of a generator's CPU per row)."""
    if len(pk) == 1:
        only = pk[0]
        return lambda row: (row[only],)
    return itemgetter(*pk)


def _insert(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """Rows grouped by the columns they give, each group in one statement: COPY on PostgreSQL, the driver's own
    executemany on SQLite (both a fraction of SQLAlchemy's per-row parameter handling, the sync's largest CPU
    item on a large site), Core executemany elsewhere."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(tuple(r), []).append(r)
    conn = session.connection()
    fast = {("postgresql", "psycopg"): _copy, ("sqlite", "pysqlite"): _executemany}.get(
        (conn.dialect.name, conn.dialect.driver))
    for keys, group in groups.items():
        sql_default = any(c.default is not None and c.default.is_clause_element
                          for c in table.columns if c.name not in keys)  # only an INSERT evaluates those
        if fast and not sql_default:
            fast(conn, table, keys, group)
        else:
            conn.execute(insert(table), group)


def _filled(table: Any, keys: tuple[str, ...]) -> tuple[list[str], list[Any]]:
    """The columns to write (the rows' own, then those they leave out that have a Python-side default) and, for
    the latter, a function giving the default for each row, as an INSERT would give it."""
    missing = [c for c in table.columns if c.name not in keys and c.default is not None and not c.default.is_sequence]
    makers = [(lambda f=c.default.arg: f(None)) if c.default.is_callable else (lambda v=c.default.arg: v)
              for c in missing]
    return [*keys, *(c.name for c in missing)], makers


def _values(rows: list[dict[str, Any]], makers: list[Any]) -> Iterator[list[Any]]:
    """Each row's values in the order of ``_filled``'s columns: its own, then the defaults made for it."""
    for r in rows:
        yield [*r.values(), *(make() for make in makers)]


def _memo(to_text: Callable[[Any], Any], limit: int = 4096) -> Callable[[Any], Any]:
    """``to_text`` for a JSON column, remembered for short lists of strings (roles, groups: a few distinct values
    over hundreds of thousands of rows); anything else, or past ``limit`` distinct lists, is converted each time."""
    seen: dict[tuple, Any] = {}

    def convert(value: Any) -> Any:
        if type(value) is list and len(value) <= 8 and all(type(v) is str for v in value):
            k = tuple(value)
            out = seen.get(k)
            if out is None:
                out = to_text(value)
                if len(seen) < limit:
                    seen[k] = out
            return out
        return to_text(value)

    return convert


def _copy(conn: Any, table: Any, keys: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    """PostgreSQL: COPY, in the session's transaction. JSON as text."""
    cols, makers = _filled(table, keys)
    as_json = [(i, _memo(json.dumps)) for i, c in enumerate(cols) if isinstance(table.c[c].type, JSON)]
    quoted = ", ".join(conn.dialect.identifier_preparer.quote(c) for c in cols)
    with conn.connection.driver_connection.cursor() as cur, cur.copy(
            f"COPY {conn.dialect.identifier_preparer.format_table(table)} ({quoted}) FROM STDIN") as out:
        for values in _values(rows, makers):
            for i, dumps in as_json:
                values[i] = None if values[i] is None else dumps(values[i])
            out.write_row(values)


def _executemany(conn: Any, table: Any, keys: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    """SQLite: one prepared INSERT run by the driver over the rows, in the session's transaction; each value goes
    through its column type's bind processor (JSON, dates, booleans), as SQLAlchemy's executemany does."""
    cols, makers = _filled(table, keys)
    dialect = conn.dialect
    procs = [(i, _memo(p) if isinstance(table.c[c].type, JSON) else p) for i, c in enumerate(cols)
             if (p := table.c[c].type.dialect_impl(dialect).bind_processor(dialect)) is not None]
    quoted = ", ".join(dialect.identifier_preparer.quote(c) for c in cols)
    params = []
    for values in _values(rows, makers):
        for i, proc in procs:
            values[i] = proc(values[i])
        params.append(tuple(values))
    conn.exec_driver_sql(f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({quoted}) "
                         f"VALUES ({', '.join('?' * len(cols))})", params)


def upsert_rows(
    session: Session,
    model: type,
    rows: Iterable[dict[str, Any]],
    *,
    scope: ColumnElement[bool] | None = None,
    now: int | None = None,
    delete_missing: bool = True,
) -> Counter[str]:
    """Make the store's rows of ``model`` within ``scope`` equal ``rows``."""
    table = model.__table__
    pk = _pk_names(model)
    soft = "deleted_at" in table.columns
    counts: Counter[str] = Counter()
    key = _keyfunc(pk)
    incoming = {}
    for r in rows:
        if soft:
            r = {**r, "deleted_at": None}
        incoming[key(r)] = r
    stmt = select(table)
    if scope is not None:
        stmt = stmt.where(scope)
    existing = {}
    for m in session.execute(stmt).mappings():
        old = dict(m)
        existing[key(old)] = old
    to_insert, to_update = [], []
    for k, r in incoming.items():
        old = existing.get(k)
        if old is None:
            to_insert.append(r)
        elif any(old.get(c) != v for c, v in r.items()):
            to_update.append(r)
    if to_insert:
        _insert(session, table, to_insert)
        counts["inserted"] += len(to_insert)
    if to_update:
        session.execute(update(model), to_update)
        counts["updated"] += len(to_update)
    if delete_missing:
        gone = [k for k, old in existing.items() if k not in incoming and not (soft and old["deleted_at"])]
        if gone and soft:
            session.execute(update(model), [{**dict(zip(pk, k)), "deleted_at": now} for k in gone])
        elif gone:
            cols = [table.c[p] for p in pk]
            for i in range(0, len(gone), 500):
                session.execute(delete(model).where(tuple_(*cols).in_(gone[i : i + 500])))
        counts["deleted"] += len(gone)
    return counts
