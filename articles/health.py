"""Whether this process can do its work: reach the database and open the search index."""
from django.db import DatabaseError, connection

from .search.index import IndexUnavailable, index_version


def health_report() -> dict[str, str]:
    """Each dependency's state, "ok" or what is wrong with it."""
    report = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report["database"] = "ok"
    except DatabaseError as error:
        report["database"] = f"unreachable ({type(error).__name__})"
    try:
        index_version()
        report["index"] = "ok"
    except IndexUnavailable as error:
        report["index"] = str(error)
    return report
