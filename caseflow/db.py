"""Hand-built statements for the hot paths where the ORM costs more than the statement itself: a new row
written by one INSERT (the access log of every list, a new case with its event and name pieces), one
row read by one SELECT (the session, its user and her authenticator on every staff page), and a list's
page and total read around the WHERE the ORM compiled (ValuesRead, where_of: who may see what stays
the ORM's, written in cases/access.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.core.exceptions import EmptyResultSet, FieldDoesNotExist, FullResultSet
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


@dataclass(frozen=True)
class _Filtered:
    """A query's rows as SQL the ORM compiled: its table (FROM, named `alias` as the WHERE names it), the
    WHERE with its parameters ("" for every row, None for none) and the ORDER BY, for hand-written
    statements around them."""

    using: str
    table: str
    alias: str
    where: str | None
    params: list[Any]
    order_by: str


def _one_table(query: Any) -> str | None:
    """The alias of the query's one table, or None when it joins another."""
    # No alias yet: a query without conditions, which has not named its table.
    alias = query.base_table or (None if query.alias_map else query.model._meta.db_table)
    # A condition on another table's column joins it (refcount > 0); a trimmed join stays unused.
    if alias is None or any(name != alias and count for name, count in query.alias_refcount.items()):
        return None
    return str(alias)


def where_of(queryset: models.QuerySet[Any]) -> tuple[str | None, list[Any]]:
    """The WHERE of a queryset of one model's rows as the ORM compiles it, with its parameters: "" when
    every row meets it, None when none can. Its columns are named after the table (`"cases_case"."id"`),
    so a hand-written statement reads that table under its own name. A queryset that is more than a
    condition on its table's own columns (a join, a slice, an annotation, DISTINCT, extra()) is compiled
    as `id IN (the queryset's ids)`: the same rows, through a subquery, so that a rule of cases/access.py
    that comes to need a join still compiles (it would fail after a case's INSERT), and a slice is never
    dropped into more rows. ValueError for a union and its kind, whose rows no WHERE selects."""
    query = queryset.query
    if query.model is None or query.combinator:
        raise ValueError("only a queryset of a model's rows has a WHERE of its own")
    if (
        _one_table(query) is None
        or query.is_sliced
        or query.distinct
        or query.annotations
        or query.group_by is not None
        or query.extra
        or query.extra_tables
    ):
        queryset = query.model._base_manager.db_manager(queryset.db).filter(pk__in=queryset.values("pk"))
        query = queryset.query
    try:
        where, params = query.get_compiler(using=queryset.db).compile(query.where)
    except EmptyResultSet:
        return None, []
    except FullResultSet:
        return "", []
    return where, list(params)


def _filtered(queryset: models.QuerySet[Any]) -> _Filtered | None:
    """The queryset's WHERE and ORDER BY compiled by the ORM, or None when it is more than one table's rows
    filtered and ordered by the table's own columns (a join, an annotation, a slice, DISTINCT, a default
    ordering): the caller then reads it through the ORM."""
    query = queryset.query
    model = query.model
    if (
        model is None
        or not query.order_by
        or query.is_sliced
        or query.distinct
        or query.annotations
        or query.extra
        or query.extra_order_by
        or query.combinator
        or query.group_by is not None
        or query.select_for_update
        or query.values_select
        or not query.standard_ordering  # reverse()
        or query.extra_tables
    ):
        return None
    alias = _one_table(query)
    if alias is None:
        return None
    quote = connections[queryset.db].ops.quote_name
    opts = model._meta
    order = []
    for name in query.order_by:
        if not isinstance(name, str):
            return None
        column = _own_column(opts, name.removeprefix("-"))
        if column is None:
            return None
        order.append(f"{quote(alias)}.{quote(column)} {'DESC' if name.startswith('-') else 'ASC'}")
    where, params = where_of(queryset)
    table = quote(opts.db_table) + ("" if alias == opts.db_table else f" {quote(alias)}")
    return _Filtered(queryset.db, table, alias, where, params, ", ".join(order))


def _own_column(opts: Any, name: str) -> str | None:
    """The column of the model's own field `name` ("pk", a field's name or its attname), or None."""
    if name == "pk":
        return str(opts.pk.column)
    if not name or "__" in name:
        return None
    try:
        field = opts.get_field(name)
    except FieldDoesNotExist:
        return None
    if not getattr(field, "concrete", False) or not field.column:
        return None
    # A foreign key by its name sorts by the related model's own ordering in the ORM: left to it.
    if field.is_relation and name != field.attname:
        return None
    return str(field.column)


class ValuesRead:
    """`queryset.values_list(*fields)` as a Paginator's rows: a page is one hand-written SELECT and the
    total one hand-written count, each around the WHERE and ORDER BY that the ORM compiled once for both,
    so the rule of who sees what stays where the queryset was built (cases/access.py). Building the two
    statements took the ORM 2.3 ms of the case list's 12 (the count by get_aggregation, the page by the
    compiler and its converters), the statements 0.9 ms (bench.run, in process).

    `fields` are the model's own fields and fields one foreign key away ("assigned_to__full_name",
    joined LEFT, so a case without a counsellor has None there, as values_list gives). The total counts
    the table alone, without those joins: counting through a join of the counsellors took 34 ms for
    5,000 closed cases where the cases' own index answers in 6 (bench.case_list, a large result). A
    queryset with more than conditions on its own columns (_filtered) is read through the ORM."""

    ordered = True  # for Paginator: the order is the queryset's

    def __init__(self, queryset: models.QuerySet[Any], fields: Sequence[str]) -> None:
        self.queryset = queryset
        self.fields = tuple(fields)
        self._plan = _filtered(queryset)

    @property
    def hand_written(self) -> bool:
        """Whether the statements are written here (or the queryset is read through the ORM)."""
        return self._plan is not None

    def count(self) -> int:
        plan = self._plan
        if plan is None:
            return self.queryset.count()
        if plan.where is None:
            return 0
        with connections[plan.using].cursor() as cursor:
            # Table and column names come from _meta, quoted; the WHERE is the ORM's, its values parameters.
            cursor.execute(f"SELECT COUNT(*) FROM {plan.table}{_where(plan)}", plan.params)  # noqa: S608  # nosec B608
            row = cursor.fetchone()
        return int(row[0]) if row else 0

    def __getitem__(self, window: slice) -> list[tuple[Any, ...]]:
        start, stop = window.start or 0, window.stop
        plan = self._plan
        if plan is None or stop is None or window.step is not None or start < 0:
            return list(self.queryset.values_list(*self.fields)[start:stop])
        if plan.where is None or stop <= start:
            return []
        db = connections[plan.using]
        select, joins, cols = _selection(self.queryset.model, plan, self.fields)
        sql = (
            f"SELECT {select} FROM {plan.table}{joins}{_where(plan)}"  # noqa: S608
            f" ORDER BY {plan.order_by} LIMIT {int(stop - start)} OFFSET {int(start)}"
        )
        with db.cursor() as cursor:
            cursor.execute(sql, plan.params)  # nosec B608
            rows = cursor.fetchall()
        converters = [
            (index, db.ops.get_db_converters(col) + col.get_db_converters(db)) for index, col in enumerate(cols)
        ]
        converters = [(index, found) for index, found in converters if found]
        if not converters:
            return [tuple(row) for row in rows]
        read = []
        for row in rows:
            values = list(row)
            for index, found in converters:
                for converter in found:
                    values[index] = converter(values[index], cols[index], db)
            read.append(tuple(values))
        return read


def _where(plan: _Filtered) -> str:
    return f" WHERE {plan.where}" if plan.where else ""


def _selection(model: type[models.Model], plan: _Filtered, fields: Sequence[str]) -> tuple[str, str, list[Any]]:
    """The SELECT list, the LEFT JOINs and each value's column (for its converters) of `fields`."""
    db = connections[plan.using]
    quote = db.ops.quote_name
    opts = model._meta
    alias = quote(plan.alias)
    selected, joins, cols = [], [], []
    joined: dict[str, str] = {}
    for name in fields:
        if "__" in name:
            link_name, _sep, theirs = name.partition("__")
            link: Any = opts.get_field(link_name)
            if not link.many_to_one or "__" in theirs:
                raise ValueError(f"{name}: only a field one foreign key away is read by hand")
            other = link.related_model._meta
            field: Any = other.pk if theirs == "pk" else other.get_field(theirs)
            if not getattr(field, "concrete", False):
                raise ValueError(f"{name}: only a column is read by hand")
            if link_name not in joined:
                joined[link_name] = f"r{len(joined)}"
                joins.append(
                    f" LEFT OUTER JOIN {quote(other.db_table)} {joined[link_name]}"
                    f" ON {joined[link_name]}.{quote(str(link.target_field.column))}"
                    f" = {alias}.{quote(str(link.column))}"
                )
            where_from = joined[link_name]
            selected.append(f"{where_from}.{quote(str(field.column))}")
            cols.append(field.get_col(where_from))
        else:
            field = opts.pk if name == "pk" else opts.get_field(name)
            if not getattr(field, "concrete", False):
                raise ValueError(f"{name}: only a column is read by hand")
            selected.append(f"{alias}.{quote(str(field.column))}")
            cols.append(field.get_col(plan.alias))
    return ", ".join(selected), "".join(joins), cols
