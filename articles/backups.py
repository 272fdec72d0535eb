"""Backups of the archive: the database's rows and the uploaded originals, in one .tar.gz file.

Rows are written as Django fixtures, which any database engine reads back, so a backup taken
on SQLite restores onto PostgreSQL with every id kept (and so every permalink): that is the
way to move an archive (README, "Moving to PostgreSQL"). The index is not backed up; a
restore rebuilds it from the rows.
"""

import datetime
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Max

from .history import first_versions_of_unversioned

# In an order that loads without forward references (versions after their articles and import
# batches; a version split from another names an earlier one, and articles merged into another are
# checked at commit); the index change log and the nodes are not kept (a restored archive
# rebuilds its index). Every version and every removal's trace is kept: the history is the archive.
BACKED_UP_MODELS = (
    "auth.group",
    "auth.user",
    "articles.country",
    "articles.importbatch",
    "articles.importfile",
    "articles.article",
    "articles.articleversion",
    "articles.articlecountry",
    "articles.countrychoice",
    "articles.importitem",
    "articles.articleremoval",
    "articles.articleattachment",  # its files are under the uploads, with the batches' originals
)
ROWS_FILE = "database.json"
UPLOADS_FOLDER = "uploads"


class _ExactTimesEncoder(DjangoJSONEncoder):
    """Times to the microsecond, where Django's fixtures keep milliseconds: a restored version
    says when it was made exactly as the archive did."""

    def default(self, o):
        if isinstance(o, (datetime.datetime, datetime.time)):
            return o.isoformat()
        return super().default(o)


class BackupError(Exception):
    """A backup that cannot be restored here, with the reason."""


@dataclass(frozen=True)
class BackupSummary:
    rows: int
    files: int


def write_backup(destination: Path) -> BackupSummary:
    """A consistent copy of the rows (one snapshot of the database) and every uploaded file."""
    destination = Path(destination)
    partial = destination.with_name(destination.name + ".partial")
    with tempfile.TemporaryDirectory() as work:
        rows_path = Path(work) / ROWS_FILE
        already_in_a_transaction = connection.in_atomic_block  # then its snapshot rules are the caller's
        with transaction.atomic():
            if connection.vendor == "postgresql" and not already_in_a_transaction:
                with connection.cursor() as cursor:  # one snapshot for every table
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            # On SQLite the transaction is IMMEDIATE (settings.py): writers wait, so it is a snapshot too.
            with rows_path.open("w", encoding="utf-8") as rows_file:
                serializers.serialize(
                    "json", _rows(), stream=rows_file, use_natural_foreign_keys=True, cls=_ExactTimesEncoder
                )
            rows = _row_count()
            uploads = sorted(path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file())
            with tarfile.open(partial, "w:gz") as archive:
                archive.add(rows_path, ROWS_FILE)
                for path in uploads:
                    archive.add(path, f"{UPLOADS_FOLDER}/{path.relative_to(settings.MEDIA_ROOT)}")
    partial.replace(destination)  # never a half-written backup under the final name
    return BackupSummary(rows=rows, files=len(uploads))


def restore_backup(source: Path) -> BackupSummary:
    """Load a backup into an empty archive, then rebuild the index from it."""
    if apps.get_model("articles.article").objects.exists():
        raise BackupError("This archive already holds articles; restore into an empty database.")
    with tempfile.TemporaryDirectory() as work:
        try:
            with tarfile.open(source, "r:gz") as archive:
                archive.extractall(work, filter="data")  # refuses absolute paths, "..", devices, links out
        except (OSError, tarfile.TarError) as error:
            raise BackupError(f"{source} is not a Pressroom backup that can be read ({error}).") from error
        rows_path = Path(work) / ROWS_FILE
        if not rows_path.is_file():
            raise BackupError(f"{source} holds no {ROWS_FILE}; it is not a Pressroom backup.")
        with transaction.atomic():
            call_command("loaddata", str(rows_path), verbosity=0)
            _move_sequences_past_restored_ids()
            _never_reuse_removed_article_ids()
            # A backup from before versions were kept: its articles start their history as migration 0006
            # starts it.
            first_versions_of_unversioned()
        uploads = Path(work) / UPLOADS_FOLDER
        files = [path for path in uploads.rglob("*") if path.is_file()] if uploads.exists() else []
        for path in files:
            target = Path(settings.MEDIA_ROOT) / path.relative_to(uploads)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    call_command("rebuild_index", verbosity=0)
    return BackupSummary(rows=_row_count(), files=len(files))


def _rows():
    for label in BACKED_UP_MODELS:
        model = apps.get_model(label)
        queryset = model.objects.order_by("pk")
        # Relations through a model of their own (an article's countries) are saved as that model's rows.
        many_to_many = [
            field.name for field in model._meta.many_to_many if field.remote_field.through._meta.auto_created
        ]
        yield from (queryset.prefetch_related(*many_to_many) if many_to_many else queryset).iterator(
            chunk_size=2000
        )


def _row_count() -> int:
    return sum(apps.get_model(label).objects.count() for label in BACKED_UP_MODELS)


def _move_sequences_past_restored_ids():
    """Rows loaded with their ids leave PostgreSQL's id sequences behind; the next insert must not collide."""
    models = [apps.get_model(label) for label in BACKED_UP_MODELS]
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _never_reuse_removed_article_ids():
    """A release removed for good keeps its id: its permalink answers 410 for ever, so no new
    release may take it. The live database's counter never goes back, but a restored one starts
    from the highest id it loaded, which is lower when the newest releases were removed."""
    Article, ArticleRemoval = apps.get_model("articles.article"), apps.get_model("articles.articleremoval")
    highest_removed = ArticleRemoval.objects.aggregate(highest=Max("article_id"))["highest"]
    if highest_removed is None or highest_removed <= (
        Article.objects.aggregate(highest=Max("pk"))["highest"] or 0
    ):
        return
    table = Article._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":  # AUTOINCREMENT tables: the next id is sqlite_sequence's + 1
            cursor.execute(
                "UPDATE sqlite_sequence SET seq = MAX(seq, %s) WHERE name = %s", [highest_removed, table]
            )
            if cursor.rowcount == 0:  # no article restored, so no counter yet
                cursor.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, highest_removed]
                )
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                [connection.ops.quote_name(table), highest_removed],
            )
        else:
            raise BackupError(
                f"Restoring onto {connection.vendor} is not supported: removed releases' ids could be reused."
            )
