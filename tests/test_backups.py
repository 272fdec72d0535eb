"""Backups: written while the archive is in use, restored into an empty one (any engine) with every id and file."""
import io
import os
import shutil
import subprocess
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from articles.models import Article, CountryChoice, ImportBatch, ImportFile
from articles.services import choose_country, tag_countries
from articles.search.index import searcher

from .conftest import release_text
from .processes import PROJECT, database_of_its_own, environment


def index_contents():
    with searcher() as held:
        return {fields["id"]: fields["fingerprint"] for fields in held.searcher.reader().all_stored_fields()}


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
        upload = SimpleUploadedFile("one.txt", release_text(title="Uploaded release").encode())
        assert admin_client.post("/admin/articles/article/upload/", {"release": upload}).status_code == 302
    return {"kenya": kenya, "edited": edited}


def test_a_restore_brings_back_every_row_file_and_index_document(filled_archive, tmp_path, search_index, settings):
    before_rows = {a.pk: (a.title, a.slug, a.body, sorted(map(str, a.country_tags.all()))) for a in Article.objects.all()}
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
    after_rows = {a.pk: (a.title, a.slug, a.body, sorted(map(str, a.country_tags.all()))) for a in Article.objects.all()}
    assert after_rows == before_rows
    assert {(c.country_id, c.included) for c in CountryChoice.objects.filter(article=filled_archive["edited"])} == {
        ("PK", False), ("NO", True), ("FI", True)
    }
    assert sorted(c.code for c in Article.objects.get(pk=filled_archive["edited"].pk).countries.all()) == ["FI", "NO"]
    assert index_contents() == before_index
    assert ImportFile.objects.get().upload.read() == original_bytes
    # New articles are numbered after the restored ones, so no permalink is reused.
    newest = Article.objects.create(title="After", body="x", published="2020-01-01", fingerprint="after")
    assert newest.pk > max(before_rows)


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


@pytest.mark.skipif(not POSTGRES_URL, reason="needs PRESSROOM_TEST_POSTGRES_URL (`.ci/run` starts PostgreSQL and sets it)")
def test_an_archive_moves_from_sqlite_to_postgresql_with_its_ids(tmp_path):
    """The documented path: backup_archive on SQLite, restore_archive on PostgreSQL."""
    sqlite_dir, postgres_dir = tmp_path / "sqlite", tmp_path / "postgres"
    on_sqlite = {k: v for k, v in environment(sqlite_dir).items() if k != "DATABASE_URL"}
    on_postgres = {**environment(postgres_dir), **database_of_its_own(postgres_dir, POSTGRES_URL)}

    def manage(env, *args):
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    manage(on_sqlite, "migrate", "-v0")
    manage(on_sqlite, "generate_articles", "40", "--seed", "3")
    manage(on_sqlite, "shell", "-c", "from articles.models import Article; Article.objects.filter(pk__in=[2, 5]).delete()")
    listing = "from articles.models import Article; print(sorted(Article.objects.values_list('pk', 'slug')))"
    before = manage(on_sqlite, "shell", "-c", listing)
    manage(on_sqlite, "backup_archive", str(tmp_path / "move.tar.gz"))

    manage(on_postgres, "migrate", "-v0")
    manage(on_postgres, "restore_archive", str(tmp_path / "move.tar.gz"))
    assert manage(on_postgres, "shell", "-c", listing) == before
    assert "The index matches the database." in manage(on_postgres, "check_index")
