"""Rows written without the ORM's per-call work, for the public side's hot paths."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections


@dataclass(frozen=True)
class _InsertPlan:
    """What an INSERT of one model with a given set of columns needs, worked out once: the
    statement, the fields the caller gives values for, and the other columns' defaults
    already prepared for the database (constant defaults only; callable ones are called per
    row)."""

    sql: str
    given: tuple[Any, ...]  # fields, in the order of the caller's values
    defaults: tuple[Any, ...]  # prepared constant defaults, after the given values
    called: tuple[Any, ...]  # fields whose default is callable, after those


_INSERT_PLANS: dict[tuple[Any, str, str, tuple[str, ...]], _InsertPlan] = {}


def _insert_plan(model: Any, conn: Any, names: tuple[str, ...]) -> _InsertPlan:
    key = (model, conn.alias, conn.vendor, names)
    plan = _INSERT_PLANS.get(key)
    if plan is None:
        by_column = {f.attname: f for f in model._meta.concrete_fields if not f.primary_key}
        given = tuple(by_column[name] for name in names)
        rest = [f for name, f in by_column.items() if name not in names]
        # (A field without a default has NOT_PROVIDED, a class: callable, but not called.)
        called = tuple(f for f in rest if f.has_default() and callable(f.default))
        constant = [f for f in rest if f not in called]
        defaults = tuple(f.get_db_prep_save(f.get_default(), connection=conn)
                         for f in constant)
        fields = [*given, *constant, *called]
        quote = conn.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        # Identifiers come from the model's metadata, values are parameters.
        sql = (f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608
               f"VALUES ({marks}) RETURNING {quote(model._meta.pk.column)}")
        plan = _INSERT_PLANS[key] = _InsertPlan(sql=sql, given=given, defaults=defaults,
                                                called=called)
    return plan


def row_insert(model: Any, values: dict[str, Any]) -> int:
    """Insert one row of `model` (values by attribute name, the other columns get their
    defaults) and return its id: one INSERT ... RETURNING without the ORM's per-call
    compilation. For the paths a flood hits (tips.intake, tips.once): measured, the ORM's
    creates were half of a tip's storing, and working out the statement and the defaults'
    values on each call was half of what remained. No signals are sent, no save() runs."""
    conn = connections[DEFAULT_DB_ALIAS]  # once, not through the proxy for each field
    plan = _insert_plan(model, conn, tuple(values))
    params = [field.get_db_prep_save(value, connection=conn)
              for field, value in zip(plan.given, values.values(), strict=True)]
    params.extend(plan.defaults)
    params.extend(f.get_db_prep_save(f.get_default(), connection=conn) for f in plan.called)
    with conn.cursor() as cursor:
        cursor.execute(plan.sql, params)
        return int(cursor.fetchone()[0])


_OPERATORS = ("=", ">=", "<=", ">", "<")
_SELECTS: dict[tuple[Any, str, str, tuple[str, ...], tuple[tuple[str, str], ...]], str] = {}


def row_first(model: Any, columns: tuple[str, ...],
              where: tuple[tuple[str, str, Any], ...]) -> tuple[Any, ...] | None:
    """`columns` (attribute names) of one row of `model` where every (name, operator, value)
    holds, or None: the statement is worked out once per shape, not compiled by the ORM on
    each call. Values come back as the database driver gives them (no field converters: use
    it for text, numbers and bytes)."""
    conn = connections[DEFAULT_DB_ALIAS]
    shape = tuple((name, op) for name, op, _ in where)
    key = (model, conn.alias, conn.vendor, columns, shape)
    sql = _SELECTS.get(key)
    if sql is None:
        quote = conn.ops.quote_name
        meta = model._meta
        conditions = []
        for name, op in shape:
            if op not in _OPERATORS:
                raise ValueError(f"unknown operator {op!r}")
            conditions.append(f"{quote(meta.get_field(name).column)} {op} %s")
        # Identifiers come from the model's metadata, values are parameters.
        sql = _SELECTS[key] = (
            f"SELECT {', '.join(quote(meta.get_field(c).column) for c in columns)} "  # noqa: S608
            f"FROM {quote(meta.db_table)} WHERE {' AND '.join(conditions)} LIMIT 1")
    params = [model._meta.get_field(name).get_db_prep_save(value, connection=conn)
              for name, _, value in where]
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return tuple(row) if row is not None else None
