"""Rows inserted by the thousand, for bulk imports: one statement run for many rows.

Django's bulk_create compiles every value of every row through its query compiler, which
for a release's article, version and tags costs more than the database takes to store them.
Here a value goes through its field only when the field changes it for the database (dates,
JSON); the rest go as they are.
"""

from django.db import connection
from django.db.models import DateField, JSONField


def insert_rows(model, rows) -> None:
    """Insert rows of a model, each given as {attname: value}; fields not given take their defaults.

    The model's signals are not sent and no primary keys come back: the caller finds them after.
    """
    fields = [
        field for field in model._meta.concrete_fields if not field.primary_key and not field.has_db_default()
    ]
    defaults = [field.get_default() for field in fields]
    prepared = [isinstance(field, DateField | JSONField) for field in fields]  # DateTimeField is a DateField
    names = [field.attname for field in fields]
    quote = connection.ops.quote_name
    statement = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    values, seen = [], {}  # a date is prepared once for the rows that share it (their `created`)
    for row in rows:
        given = [row.get(name, default) for name, default in zip(names, defaults, strict=True)]
        values.append(
            [
                (_prepared(field, value, seen) if prepare else value)
                for field, value, prepare in zip(fields, given, prepared, strict=True)
            ]
        )
    if values:
        with connection.cursor() as cursor:
            cursor.executemany(statement, values)


def _prepared(field, value, seen: dict):
    if isinstance(value, dict):
        return field.get_db_prep_save(value, connection)
    key = (field.attname, value)
    if key not in seen:
        seen[key] = field.get_db_prep_save(value, connection)
    return seen[key]
