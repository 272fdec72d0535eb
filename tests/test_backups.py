"""Backups: written while the archive is in use, restored into an empty one (any engine).

A restore keeps every id and file.
"""

import datetime
import io
import os
import shutil

import pytest
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from articles.editing import merge, remove_permanently, split_version, withdraw
from articles.history import record_version
from articles.ingest.attachments import Attachment
from articles.ingest.parsing import ParsedArticle
from articles.models import (
    Article,
    ArticleAttachment,
    ArticleRemoval,
    ArticleVersion,
    CountryChoice,
    ImportBatch,
    ImportFile,
)
from articles.search.schema import DIGEST_FIELD
from articles.search.searchers import searcher
from articles.services import article_fingerprint, article_import, choose_country, tag_countries

from .conftest import article_text
from .processes import database_of_its_own, environment, manage_with


def index_contents():
    with searcher() as held:
        return {fields["id"]: fields[DIGEST_FIELD] for fields in held.searcher.reader().all_stored_fields()}


def rows(model):
    """Every row of `model`, every column."""
    return {
        row.pk: {field.attname: getattr(row, field.attname) for field in model._meta.concrete_fields}
        for row in model.objects.all()
    }


def run(name, *args):
    out = io.StringIO()
    call_command(name, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def filled_archive(archive, admin_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    kenya = archive.add("Kenya and Peru sign an accord", "Nairobi hosted the talks.")
    edited = archive.add("Chosen by hand", "Talks in Islamabad.")
    with archive.committed():
        choose_country(edited, "PK", included=False)
        for code in ("NO", "FI"):
            choose_country(edited, code, included=True)
        tag_countries(edited)
        upload = SimpleUploadedFile("one.txt", article_text(title="Uploaded release").encode())
        assert admin_client.post("/admin/articles/article/upload/", {"release": upload}).status_code == 302
    return {"kenya": kenya, "edited": edited}


def test_a_restore_brings_back_every_row_file_and_index_document(
    filled_archive, tmp_path, search_index, settings
):
    before_rows = {
        a.pk: (a.title, a.slug, a.body, sorted(map(str, a.country_tags.all()))) for a in Article.objects.all()
    }
    before_index = index_contents()
    upload = ImportFile.objects.get().upload
    original_bytes = upload.read()
    backup = tmp_path / "backup.tar.gz"
    assert "Backed up" in run("backup_archive", str(backup))

    # Everything lost: rows, uploads and index.
    Article.objects.all().delete()
    ImportBatch.objects.all().delete()
    shutil.rmtree(settings.MEDIA_ROOT)
    (search_index / "current").unlink()

    assert "the index is rebuilt" in run("restore_archive", str(backup))
    after_rows = {
        a.pk: (a.title, a.slug, a.body, sorted(map(str, a.country_tags.all()))) for a in Article.objects.all()
    }
    assert after_rows == before_rows
    assert {
        (c.country_id, c.included) for c in CountryChoice.objects.filter(article=filled_archive["edited"])
    } == {("PK", False), ("NO", True), ("FI", True)}
    assert sorted(c.code for c in Article.objects.get(pk=filled_archive["edited"].pk).countries.all()) == [
        "FI",
        "NO",
    ]
    assert index_contents() == before_index
    assert ImportFile.objects.get().upload.read() == original_bytes
    # New articles are numbered after the restored ones, so no permalink is reused.
    newest = Article.objects.create(title="After", body="x", published="2020-01-01", fingerprint="after")
    assert newest.pk > max(before_rows)


def edit(article, *, user, major, note, **fields):
    """An editor's change, kept as the next version (as the admin's change form keeps it)."""
    for name, value in fields.items():
        setattr(article, name, value)
    article.fingerprint = article_fingerprint(
        title=article.title, published=article.published, body=article.body
    )
    article.save()
    tag_countries(article)
    return record_version(article, how="admin edit", user=user, major=major, note=note)


@pytest.fixture
def archive_with_history(archive, django_user_model):
    """Corrections major and minor, a version split out, a withdrawn, a merged and a removed release."""
    editor = django_user_model.objects.create_superuser("editor", "editor@example.org", "a long passphrase 1")
    accord = archive.add("Kenya and Peru sign an accord", "Nairobi hosted the talks.")
    withdrawn = archive.add("Minister visits Lima", "Peru welcomed the minister.")
    duplicate = archive.add(
        "Kenya and Peru sign an accord in Nairobi", "Talks in Nairobi between Kenya and Peru."
    )
    with archive.committed():
        edit(
            accord,
            user=editor,
            major=True,
            note="The day of the talks was added.",
            body="Nairobi hosted the talks on Monday.",
        )
        edit(
            accord,
            user=editor,
            major=False,
            note="A typo.",
            body="Nairobi hosted the talks on Monday, with Chile.",
        )
        split = split_version(accord.versions.get(number=1), user=editor)
        withdraw(withdrawn, note="Issued in error.")
        merge(duplicate, accord)
    removed = archive.add("A release a court had removed", "Uganda and Kenya.")  # the highest id
    with archive.committed():
        removal = remove_permanently(removed, reason="A court order.", user=editor)
    return {
        "accord": accord,
        "split": split,
        "withdrawn": withdrawn,
        "duplicate": duplicate,
        "removal": removal,
    }


def test_the_whole_history_survives_a_restore(archive_with_history, tmp_path):
    accord, split = archive_with_history["accord"], archive_with_history["split"]
    assert [(v.number, v.major, v.note) for v in accord.versions.all()] == [
        (1, True, ""),
        (2, True, "The day of the talks was added."),
        (3, False, "A typo."),
    ]
    assert split.versions.get().split_from == accord.versions.get(number=1)
    before = {model: rows(model) for model in (Article, ArticleVersion, ArticleRemoval)}
    backup = tmp_path / "backup.tar.gz"
    run("backup_archive", str(backup))

    Article.objects.filter(
        merged_into__isnull=False
    ).delete()  # a survivor is protected by what merged into it
    Article.objects.all().delete()
    ArticleRemoval.objects.all().delete()
    assert not ArticleVersion.objects.exists()

    run("restore_archive", str(backup))
    assert {model: rows(model) for model in (Article, ArticleVersion, ArticleRemoval)} == before
    assert Article.objects.get(pk=archive_with_history["withdrawn"].pk).withdrawn_note == "Issued in error."
    assert Article.objects.get(pk=archive_with_history["duplicate"].pk).merged_into_id == accord.pk
    assert ArticleVersion.objects.get(article=split).split_from.article_id == accord.pk
    # The history goes on where it stopped.
    later = edit(
        Article.objects.get(pk=accord.pk),
        user=None,
        major=True,
        note="Restored, then corrected.",
        body="Monday's talks.",
    )
    assert later.number == 4 and later.pk > max(before[ArticleVersion])


def test_a_restored_archive_never_gives_a_removed_release_s_id_to_a_new_one(archive_with_history, tmp_path):
    removed_id = archive_with_history["removal"].article_id
    assert removed_id > max(Article.objects.values_list("pk", flat=True))
    backup = tmp_path / "backup.tar.gz"
    run("backup_archive", str(backup))
    Article.objects.filter(merged_into__isnull=False).delete()
    Article.objects.all().delete()
    ArticleRemoval.objects.all().delete()
    reset_article_ids()

    run("restore_archive", str(backup))
    newest = Article.objects.create(title="After", body="x", published="2020-01-01", fingerprint="after")
    assert newest.pk > removed_id


def test_an_archive_whose_every_release_was_removed_keeps_their_ids_too(archive, tmp_path):
    removed = archive.add("Removed", "Kenya.")
    removed_id = removed.pk
    with archive.committed():
        remove_permanently(removed, reason="A court order.")
    backup = tmp_path / "backup.tar.gz"
    run("backup_archive", str(backup))
    ArticleRemoval.objects.all().delete()
    reset_article_ids()

    run("restore_archive", str(backup))
    assert (
        Article.objects.create(title="After", body="x", published="2020-01-01", fingerprint="after").pk
        > removed_id
    )


def test_a_backup_from_before_versions_restores_with_every_article_at_version_1(archive, tmp_path):
    kept = archive.add("Kenya and Peru sign an accord", "Nairobi hosted the talks.")
    ArticleVersion.objects.all().delete()  # the rows an earlier Pressroom backed up
    backup = tmp_path / "backup.tar.gz"
    run("backup_archive", str(backup))
    Article.objects.all().delete()

    run("restore_archive", str(backup))
    version = ArticleVersion.objects.get()
    assert (version.article_id, version.number, version.title, version.body) == (
        kept.pk,
        1,
        kept.title,
        kept.body,
    )


def reset_article_ids():
    """The article counter of a new database, as on the machine a backup is restored to."""
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":  # a new SQLite database has no counter until its first insert
            cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [Article._meta.db_table])
            return
        for statement in connection.ops.sequence_reset_by_name_sql(
            no_style(), [{"table": Article._meta.db_table, "column": "id"}]
        ):
            cursor.execute(statement)


def test_a_restore_refuses_an_archive_that_is_not_empty(filled_archive, tmp_path):
    backup = tmp_path / "backup.tar.gz"
    run("backup_archive", str(backup))
    with pytest.raises(CommandError, match="already holds articles"):
        run("restore_archive", str(backup))


def test_a_file_that_is_not_a_backup_is_refused_clearly(db, tmp_path):
    not_a_backup = tmp_path / "notes.tar.gz"
    not_a_backup.write_bytes(b"plain text, not gzip")
    with pytest.raises(CommandError, match="is not a Pressroom backup"):
        run("restore_archive", str(not_a_backup))


POSTGRES_URL = os.environ.get("PRESSROOM_TEST_POSTGRES_URL")


@pytest.mark.skipif(
    not POSTGRES_URL, reason="needs PRESSROOM_TEST_POSTGRES_URL (`.ci/run` starts PostgreSQL and sets it)"
)
def test_an_archive_moves_from_sqlite_to_postgresql_with_its_ids(tmp_path):
    """The documented path: backup_archive on SQLite, restore_archive on PostgreSQL."""
    sqlite_dir, postgres_dir = tmp_path / "sqlite", tmp_path / "postgres"
    on_sqlite = {k: v for k, v in environment(sqlite_dir).items() if k != "DATABASE_URL"}
    on_postgres = {**environment(postgres_dir), **database_of_its_own(postgres_dir, POSTGRES_URL)}

    def manage(env, *args):
        done = manage_with(env, *args, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    manage(on_sqlite, "migrate", "-v0")
    manage(on_sqlite, "generate_articles", "40", "--seed", "3")
    manage(
        on_sqlite,
        "shell",
        "-c",
        "from articles.models import Article; Article.objects.filter(pk__in=[2, 5]).delete()",
    )
    listing = "from articles.models import Article; print(sorted(Article.objects.values_list('pk', 'slug')))"
    before = manage(on_sqlite, "shell", "-c", listing)
    manage(on_sqlite, "backup_archive", str(tmp_path / "move.tar.gz"))

    manage(on_postgres, "migrate", "-v0")
    manage(on_postgres, "restore_archive", str(tmp_path / "move.tar.gz"))
    assert manage(on_postgres, "shell", "-c", listing) == before
    assert "The index matches the database." in manage(on_postgres, "check_index")


# Any storage of Django's API: a backup reads and a restore writes through it, never a directory.
IN_MEMORY = {"BACKEND": "django.core.files.storage.InMemoryStorage"}


def use_storage(settings, backend, **options):
    """A new, empty default storage (Django forgets the old one when STORAGES changes)."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": backend, "OPTIONS": options}}


def stored_archive(archive, admin_client):
    """An uploaded import file and two releases sharing one attachment's file; {stored name: bytes}."""
    upload = SimpleUploadedFile("one.txt", article_text(title="Uploaded release").encode())
    with archive.committed():
        assert admin_client.post("/admin/articles/article/upload/", {"release": upload}).status_code == 302
    photo = Attachment("photo.jpg", "image/jpeg", bytes(range(256)) * 40)
    for title in ("Talks in Lima", "Talks in Quito"):
        parsed = ParsedArticle(title, datetime.date(2021, 3, 3), ("Peru met Chile.",), attachments=(photo,))
        with archive.committed():
            article_import(parsed=parsed)
    files = [ImportFile.objects.get().upload, *(a.file for a in ArticleAttachment.objects.all())]
    return {file.name: file.read() for file in files}


def wiped():
    """Every row a restore brings back gone (the storage is replaced by the caller)."""
    Article.objects.all().delete()
    ImportBatch.objects.all().delete()


def read_back():
    files = [ImportFile.objects.get().upload, *(a.file for a in ArticleAttachment.objects.all())]
    return {file.name: file.read() for file in files}


@pytest.mark.parametrize("restored_into", ["memory", "directory"])
def test_a_backup_through_a_storage_that_is_not_a_directory_keeps_every_file(
    archive, admin_client, settings, tmp_path, restored_into
):
    settings.MEDIA_ROOT = tmp_path / "media-root-unused"
    use_storage(settings, IN_MEMORY["BACKEND"])
    before = stored_archive(archive, admin_client)
    assert len(before) == 2  # the shared photo is one file
    backup = tmp_path / "backup.tar.gz"
    assert "Backed up" in run("backup_archive", str(backup))

    wiped()
    if restored_into == "memory":
        use_storage(settings, IN_MEMORY["BACKEND"])
    else:  # moving an archive from a bucket to a directory
        use_storage(settings, "articles.storage.UploadStorage", location=str(tmp_path / "shared"))
    assert "Restored" in run("restore_archive", str(backup))
    assert read_back() == before
    assert ArticleAttachment.objects.count() == 2
    if restored_into == "directory":
        assert {
            str(p.relative_to(tmp_path / "shared")) for p in (tmp_path / "shared").rglob("*") if p.is_file()
        } == set(before)
    assert not settings.MEDIA_ROOT.exists()  # nothing went around the storage


class ReadsRecordedStorage(InMemoryStorage):
    """Remembers the largest single read of a stored file."""

    largest_read = 0

    def open(self, name, mode="rb"):
        return File(_RecordedReads(super().open(name, mode)), name=name)


class _RecordedReads:
    def __init__(self, file):
        self._file = file

    def read(self, size=-1):
        data = self._file.read(size)
        ReadsRecordedStorage.largest_read = max(ReadsRecordedStorage.largest_read, len(data))
        return data

    def close(self):
        self._file.close()


def test_a_large_stored_file_is_backed_up_a_chunk_at_a_time(archive, settings, tmp_path):
    use_storage(settings, "tests.test_backups.ReadsRecordedStorage")
    big = os.urandom(3 * 1024 * 1024)
    parsed = ParsedArticle(
        "Talks in Lima",
        datetime.date(2021, 3, 3),
        ("Peru met Chile.",),
        attachments=(Attachment("film.bin", "application/octet-stream", big),),
    )
    with archive.committed():
        article_import(parsed=parsed)
    ReadsRecordedStorage.largest_read = 0
    run("backup_archive", str(tmp_path / "backup.tar.gz"))
    assert 0 < ReadsRecordedStorage.largest_read <= 64 * 1024

    wiped()
    use_storage(settings, IN_MEMORY["BACKEND"])
    run("restore_archive", str(tmp_path / "backup.tar.gz"))
    assert ArticleAttachment.objects.get().file.read() == big


def test_a_backup_names_the_files_the_storage_has_lost_and_keeps_the_rest(
    archive, admin_client, settings, tmp_path
):
    use_storage(settings, IN_MEMORY["BACKEND"])
    before = stored_archive(archive, admin_client)
    lost = ImportFile.objects.get().upload.name
    default_storage.delete(lost)
    err = io.StringIO()
    out = io.StringIO()
    call_command("backup_archive", str(tmp_path / "backup.tar.gz"), stdout=out, stderr=err)
    assert f"1 files the rows name are not in the storage, so not in the backup: {lost}" in err.getvalue()
    assert "and 1 uploaded files" in out.getvalue()

    wiped()
    use_storage(settings, IN_MEMORY["BACKEND"])
    run("restore_archive", str(tmp_path / "backup.tar.gz"))
    assert not default_storage.exists(lost)
    assert {a.file.name: a.file.read() for a in ArticleAttachment.objects.all()} == {
        name: data for name, data in before.items() if name != lost
    }


def test_a_restore_replaces_a_leftover_file_under_a_restored_name(archive, admin_client, settings, tmp_path):
    use_storage(settings, IN_MEMORY["BACKEND"])
    before = stored_archive(archive, admin_client)
    run("backup_archive", str(tmp_path / "backup.tar.gz"))
    wiped()
    name = next(iter(before))
    default_storage.delete(name)
    default_storage.save(name, ContentFile(b"left by an earlier, failed restore"))

    run("restore_archive", str(tmp_path / "backup.tar.gz"))
    assert read_back() == before  # the rows name the backup's bytes, under the same name


def files_in_storage(folder=""):
    folders, files = default_storage.listdir(folder)
    inside = [name for each in folders for name in files_in_storage(f"{folder}{each}/")]
    return sorted([f"{folder}{name}" for name in files] + inside)


class SecondSaveFails(InMemoryStorage):
    saves = 0

    def _save(self, name, content):
        SecondSaveFails.saves += 1
        if SecondSaveFails.saves == 2:
            raise OSError(28, "No space left on device")
        return super()._save(name, content)


def test_a_restore_that_cannot_write_a_file_leaves_the_archive_empty(
    archive, admin_client, settings, tmp_path
):
    use_storage(settings, IN_MEMORY["BACKEND"])
    stored_archive(archive, admin_client)
    run("backup_archive", str(tmp_path / "backup.tar.gz"))
    wiped()
    use_storage(settings, "tests.test_backups.SecondSaveFails")
    SecondSaveFails.saves = 0

    with pytest.raises(
        CommandError,
        match="could not be written to the storage .*No space left on device.*; nothing was restored",
    ):
        run("restore_archive", str(tmp_path / "backup.tar.gz"))
    assert (
        not Article.objects.exists()
        and not ImportFile.objects.exists()
        and not ArticleAttachment.objects.exists()
    )
    assert files_in_storage() == []  # the file written first is taken back too


def test_a_row_naming_a_file_a_restore_would_refuse_stops_the_backup(
    archive, admin_client, settings, tmp_path
):
    use_storage(settings, IN_MEMORY["BACKEND"])
    stored_archive(archive, admin_client)
    ImportFile.objects.update(upload="../outside.txt")  # never a name the storage gives
    with pytest.raises(
        CommandError, match="A row names the stored file '../outside.txt', which a restore would refuse"
    ):
        run("backup_archive", str(tmp_path / "backup.tar.gz"))
    assert list(tmp_path.glob("backup.tar.gz*")) == []  # no backup, not even a partial one
