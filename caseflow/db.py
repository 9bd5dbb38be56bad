"""A new row written by one hand-built INSERT, for the hot paths where the ORM's save costs more than
the statement (the access log of every list, a new case with its event and name pieces)."""

from __future__ import annotations

from typing import Any

from django.db import connection, models


def insert_values(instance: models.Model, *, skip: str = "") -> tuple[list[str], list[Any]]:
    """The quoted columns and prepared values of a new row, as Model.save would write them (encrypted
    fields sealed by their pre_save, defaults applied); the primary key and generated columns left out."""
    fields = [
        field
        for field in instance._meta.local_concrete_fields
        if not field.primary_key and not field.generated and field.attname != skip
    ]
    return (
        [connection.ops.quote_name(str(field.column)) for field in fields],
        [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields],
    )


def placeholders(values: list[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def insert(instance: models.Model) -> None:
    """Writes a new row without reading anything back (no id, no signals): for rows nobody uses after."""
    columns, values = insert_values(instance)
    table = connection.ops.quote_name(instance._meta.db_table)
    with connection.cursor() as cursor:
        # Table and column names come from the model's _meta and are quoted; values are parameters.
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders(values)})",  # noqa: S608 # nosec B608
            values,
        )
