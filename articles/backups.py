"""Backups of the archive: the database's rows and the stored originals, in one .tar.gz file.

Rows are written as Django fixtures, which any database engine reads back, so a backup taken
on SQLite restores onto PostgreSQL with every id kept (and so every permalink): that is the
way to move an archive (README, "Moving to PostgreSQL"). Import files and attachments are read
and written through Django's storage API, so a backup moves them between any two storages (a
directory, a bucket). The index is not backed up; a restore rebuilds it from the rows.
"""

import datetime
import shutil
import tarfile
import tempfile
import time
import unicodedata
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Max

from .history import first_versions_of_unversioned
from .ingest.attachments import MAX_ATTACHMENT_BYTES
from .ingest.web_pages import MAX_PAGE_BYTES

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
    "articles.articleattachment",  # its files are in the storage, with the batches' originals
)
ROWS_FILE = "database.json"
UPLOADS_FOLDER = "uploads"  # a stored file's member is "uploads/<its name in the storage>"
STORED_NAME_MAX_CHARACTERS = 1000  # twice the longest FileField here (ArticleAttachment.file, 500)


class _ExactTimesEncoder(DjangoJSONEncoder):
    """Times to the microsecond, where Django's fixtures keep milliseconds: a restored version
    says when it was made exactly as the archive did."""

    def default(self, o):
        if isinstance(o, (datetime.datetime, datetime.time)):
            return o.isoformat()
        return super().default(o)


class BackupError(Exception):
    """A backup that cannot be written or restored here, with the reason."""


@dataclass(frozen=True)
class BackupSummary:
    rows: int
    files: int
    missing: tuple[str, ...] = ()  # stored names the rows give that the storage did not have


def write_backup(destination: Path) -> BackupSummary:
    """A consistent copy of the rows (one snapshot of the database) and every stored file they name."""
    destination = Path(destination)
    partial = destination.with_name(destination.name + ".partial")
    try:
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
                        "json",
                        _rows(),
                        stream=rows_file,
                        use_natural_foreign_keys=True,
                        cls=_ExactTimesEncoder,
                    )
                rows = _row_count()
                names = _stored_names()
                with tarfile.open(partial, "w:gz") as archive:
                    archive.add(rows_path, ROWS_FILE)
                    missing = tuple(name for name in names if not _add_stored_file(archive, name))
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(destination)  # never a half-written backup under the final name
    return BackupSummary(rows=rows, files=len(names) - len(missing), missing=missing)


def _stored_names() -> list[str]:
    """Every name in the storage a row gives (harvested copies of one page share one file)."""
    ImportFile, ArticleAttachment = (
        apps.get_model("articles.importfile"),
        apps.get_model("articles.articleattachment"),
    )
    names = set(ImportFile.objects.exclude(upload="").values_list("upload", flat=True))
    names.update(ArticleAttachment.objects.exclude(file="").values_list("file", flat=True))
    for name in names:
        if safe_member_name(f"{UPLOADS_FOLDER}/{name}") is None:  # found now, not on the day of the restore
            raise BackupError(f"A row names the stored file {name!r}, which a restore would refuse.")
    return sorted(names)


def _add_stored_file(archive: tarfile.TarFile, name: str) -> bool:
    """Stream one stored file into the backup, a chunk at a time; False when the storage lacks it."""
    try:
        size = default_storage.size(name)
        handle = default_storage.open(name, "rb")
    except FileNotFoundError:
        return False
    member = tarfile.TarInfo(f"{UPLOADS_FOLDER}/{name}")
    member.size, member.mtime, member.mode = size, int(time.time()), 0o644
    with handle:
        try:
            archive.addfile(member, handle)
        except OSError as error:  # "unexpected end of data": it was shorter than the storage said
            raise BackupError(f"The stored file {name} could not be read whole ({error}).") from error
    return True


def restore_backup(source: Path) -> BackupSummary:
    """Load a backup into an empty archive, then rebuild the index from it.

    Every member is checked before anything is written; rows and files are written in one
    transaction, so a backup that fails half-way leaves the database as it was."""
    _refuse_an_archive_in_use()
    with tempfile.TemporaryDirectory() as work:
        try:
            with tarfile.open(source, "r:gz") as archive:
                rows_member, stored = _checked_members(archive.getmembers(), source=source)
                rows_path = Path(work) / ROWS_FILE
                with archive.extractfile(rows_member) as rows, rows_path.open("wb") as copy:
                    shutil.copyfileobj(rows, copy)
                with transaction.atomic():
                    call_command("loaddata", str(rows_path), verbosity=0)
                    _move_sequences_past_restored_ids()
                    _never_reuse_removed_article_ids()
                    # A backup from before versions were kept: its articles start their history as migration
                    # 0006 starts it.
                    first_versions_of_unversioned()
                    _store_files(archive, stored)
        except (OSError, EOFError, zlib.error, tarfile.TarError) as error:  # a damaged or truncated file
            raise BackupError(f"{source} is not a Pressroom backup that can be read ({error}).") from error
        except DeserializationError as error:
            raise BackupError(
                f"The rows of {source} cannot be loaded; nothing was restored ({error})."
            ) from error
    call_command("rebuild_index", verbosity=0)
    return BackupSummary(rows=_row_count(), files=len(stored))


def _refuse_an_archive_in_use():
    # Stored files named by the backup's rows replace what the storage holds under those names, which
    # is only safe when no row of this database names them.
    for label, what in (
        ("articles.article", "articles"),
        ("articles.importfile", "import files"),
        ("articles.articleattachment", "attachments"),
    ):
        if apps.get_model(label).objects.exists():
            raise BackupError(f"This archive already holds {what}; restore into an empty database.")


def _checked_members(members, *, source) -> tuple[tarfile.TarInfo, dict[str, tarfile.TarInfo]]:
    """The rows' member, and each stored file's member by its stored name; BackupError for anything
    else than what write_backup writes (a link, a device, a name outside uploads/, an outsized file)."""
    rows, stored, largest = None, {}, _largest_stored_file()
    for member in members:
        if member.isdir() and (member.name == UPLOADS_FOLDER or safe_member_name(member.name)):
            continue  # a backup repacked with tar(1) has folders; they hold nothing to restore
        if not member.isreg():
            raise BackupError(
                f"{source} holds {member.name!r}, which is {_kind(member)}; "
                "a backup holds only regular files."
            )
        if member.name == ROWS_FILE:
            if rows is not None:
                raise BackupError(f"{source} holds {ROWS_FILE} twice.")
            rows = member
            continue
        name = safe_member_name(member.name)
        if name is None:
            raise BackupError(
                f"{source} holds {member.name!r}; a backup holds only {ROWS_FILE} and files named "
                f"{UPLOADS_FOLDER}/<stored name> (relative, without '.' or '..' parts)."
            )
        if name in stored:
            raise BackupError(f"{source} holds {member.name!r} twice.")
        if member.size > largest:
            raise BackupError(
                f"{source} holds {member.name!r} of {member.size:,} bytes, more than any file the archive "
                f"keeps ({largest:,}, PRESSROOM_MAX_UPLOAD_BYTES); raise it to restore this backup."
            )
        stored[name] = member
    if rows is None:
        raise BackupError(f"{source} holds no {ROWS_FILE}; it is not a Pressroom backup.")
    return rows, stored


def _largest_stored_file() -> int:
    """The largest file the archive keeps: an upload, an attachment, a harvested page."""
    return max(settings.PRESSROOM_MAX_UPLOAD_BYTES, MAX_ATTACHMENT_BYTES, MAX_PAGE_BYTES)


def safe_member_name(member_name: str) -> str | None:
    """The stored name a backup member "uploads/<name>" is restored to, or None when the name
    could reach outside the storage or is no name the storage gave (absolute, "..", "\\", controls)."""
    folder, slash, name = member_name.partition("/")
    if folder != UPLOADS_FOLDER or not slash or len(name) > STORED_NAME_MAX_CHARACTERS:
        return None
    if "\\" in name or any(unicodedata.category(character) == "Cc" for character in name):
        return None
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts) or PurePosixPath(name).is_absolute():
        return None
    return name


def _kind(member: tarfile.TarInfo) -> str:
    if member.issym():
        return f"a symbolic link to {member.linkname!r}"
    if member.islnk():
        return f"a hard link to {member.linkname!r}"
    if member.isdir():
        return "a folder outside uploads/"
    return "a device or a pipe"


def _store_files(archive: tarfile.TarFile, stored: dict[str, tarfile.TarInfo]) -> None:
    """Write each file under its exact stored name, the name the restored rows give; on a failure,
    take back what was written (the transaction takes back the rows)."""
    written = []
    try:
        for name, member in stored.items():
            _store_file(archive, member, name)
            written.append(name)
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise


def _store_file(archive: tarfile.TarFile, member: tarfile.TarInfo, name: str) -> None:
    # The database is empty (_refuse_an_archive_in_use), so a file already under this name is a
    # leftover no row names (of an earlier, failed restore, say): the backup's bytes replace it.
    if default_storage.exists(name):
        default_storage.delete(name)
    with archive.extractfile(member) as data:
        try:
            saved = default_storage.save(name, File(data, name=name))
        except OSError as error:
            raise BackupError(
                f"{name} could not be written to the storage ({error}); nothing was restored."
            ) from error
    if saved != name:
        default_storage.delete(saved)
        raise BackupError(f"The storage would keep {name} only as {saved}; nothing was restored.")


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
