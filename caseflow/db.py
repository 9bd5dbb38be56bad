"""Hand-built statements for the hot paths where the ORM costs more than the statement itself: a new row
written by one INSERT (the access log of every list, a new case with its event and name pieces), and one
row read by one SELECT (the session, its user and her authenticator on every staff page)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models, router


def insert_values(
    instance: models.Model, *, skip: str = "", using: str = DEFAULT_DB_ALIAS
) -> tuple[list[str], list[Any]]:
    """The quoted columns and prepared values of a new row, as Model.save would write them (encrypted
    fields sealed by their pre_save, defaults applied); an automatic primary key and generated columns
    left out."""
    db = connections[using]
    fields = [
        field
        for field in instance._meta.local_concrete_fields
        if field is not instance._meta.auto_field and not field.generated and field.attname != skip
    ]
    return (
        [db.ops.quote_name(str(field.column)) for field in fields],
        [field.get_db_prep_save(field.pre_save(instance, True), db) for field in fields],
    )


def placeholders(values: list[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def insert(instance: models.Model, *, using: str = DEFAULT_DB_ALIAS, replace_on: str = "") -> None:
    """Writes a new row without reading anything back (no id, no signals): for rows nobody uses after.
    With `replace_on`, a unique column, a row already holding the same value is replaced by this one
    (INSERT … ON CONFLICT … DO UPDATE, one statement on PostgreSQL and SQLite alike)."""
    db = connections[using]
    columns, values = insert_values(instance, using=using)
    table = db.ops.quote_name(instance._meta.db_table)
    # Table and column names come from the model's _meta and are quoted; values are parameters.
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders(values)})"  # noqa: S608
    if replace_on:
        key = db.ops.quote_name(replace_on)
        sql += f" ON CONFLICT ({key}) DO UPDATE SET " + ", ".join(
            f"{column} = EXCLUDED.{column}" for column in columns if column != key
        )
    with db.cursor() as cursor:
        cursor.execute(sql, values)  # nosec B608


@dataclass(frozen=True)
class _Reading:
    """How to read a model's row: its quoted columns, their attribute names, and the column of each
    value, which the ORM's converters are called with."""

    columns: str
    names: list[str]
    cols: tuple[Any, ...]


@lru_cache(maxsize=64)
def _reading(model: type[models.Model], alias: str, using: str) -> _Reading:
    quote = connections[using].ops.quote_name
    fields = model._meta.concrete_fields
    return _Reading(
        columns=", ".join(f"{alias}.{quote(str(field.column))}" for field in fields),
        names=[field.attname for field in fields],
        cols=tuple(field.get_col(model._meta.db_table) for field in fields),
    )


def _instance[M: models.Model](model: type[M], using: str, reading: _Reading, row: Sequence[Any]) -> M:
    """The instance of one row, each value converted as the ORM's compiler converts it: the backend's
    converters, then the field's from_db_value, asked of this thread's connection every time (a
    converter may use its connection, which belongs to one thread)."""
    db = connections[using]
    values = list(row)
    for index, column in enumerate(reading.cols):
        for converter in db.ops.get_db_converters(column) + column.get_db_converters(db):
            values[index] = converter(values[index], column, db)
    return model.from_db(using, reading.names, values)


@lru_cache(maxsize=64)
def _statement(model: type[models.Model], related: str, using: str) -> tuple[str, _Reading, _Reading | None]:
    """SELECT … FROM the model's table, named t, joined with the table of its foreign key `related` as r."""
    quote = connections[using].ops.quote_name
    own = _reading(model, "t", using)
    if not related:
        return f"SELECT {own.columns} FROM {quote(model._meta.db_table)} t", own, None  # noqa: S608
    link: Any = model._meta.get_field(related)
    theirs = _reading(link.related_model, "r", using)
    return (
        f"SELECT {own.columns}, {theirs.columns} FROM {quote(model._meta.db_table)} t"  # noqa: S608
        f" JOIN {quote(link.related_model._meta.db_table)} r"
        f" ON r.{quote(link.related_model._meta.pk.column)} = t.{quote(link.column)}",
        own,
        theirs,
    )


def select_one[M: models.Model](model: type[M], where: str, params: Sequence[Any], *, related: str = "") -> M | None:
    """The first row of `model` whose columns meet `where` (SQL about the table, named `t`; values are
    parameters), and with `related` the row its foreign key of that name points to, cached as
    select_related caches it. The ORM builds such a query in 0.4–0.7 ms; the statement takes 0.1 ms
    (the session, the user and her authenticator were 2 ms of every staff page: bench.case_list)."""
    rows = select_rows(model, where, params, related=related, limit=1)
    return rows[0] if rows else None


def select_rows[M: models.Model](
    model: type[M], where: str, params: Sequence[Any], *, related: str = "", limit: int | None = None
) -> list[M]:
    """The rows of `model` (up to `limit`) whose columns meet `where`, read as select_one reads one.
    `where` is the caller's own fixed SQL; every value goes in `params`, never into `where`."""
    using = router.db_for_read(model)
    sql, own, theirs = _statement(model, related, using)
    link: Any = model._meta.get_field(related) if related else None
    with connections[using].cursor() as cursor:
        # Table and column names come from the models' _meta and are quoted; `where` is the caller's
        # fixed SQL, its values parameters.
        bounded = f"{sql} WHERE {where}" + (f" LIMIT {int(limit)}" if limit is not None else "")
        cursor.execute(bounded, params)  # nosec B608
        rows = cursor.fetchall()
    count = len(own.names)
    found = []
    for row in rows:
        instance = _instance(model, using, own, row[:count])
        if link is not None and theirs is not None:
            link.set_cached_value(instance, _instance(link.related_model, using, theirs, row[count:]))
        found.append(instance)
    return found
