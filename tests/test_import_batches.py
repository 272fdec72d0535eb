"""Bulk imports through the admin and the command line: outcomes, duplicates, updates, failures."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from articles.importing import batch_from_paths, process_batch
from articles.models import Article, ImportBatch, ImportItem

from .conftest import article_text


@pytest.fixture
def editor(client, django_user_model):
    client.force_login(
        django_user_model.objects.create_superuser("editor", "e@example.org", "a long password 123")
    )
    return client


def zipped(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def upload(editor, archive, *files):
    uploads = [SimpleUploadedFile(name, content) for name, content in files]
    with archive.committed():
        response = editor.post("/admin/articles/article/import/", {"files": uploads})
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportBatch.objects.latest("pk"), response


def outcomes(batch):
    return sorted((item.location, item.outcome) for item in batch.items.all())


def test_several_files_become_one_batch_with_an_outcome_per_release(editor, archive, client):
    batch, response = upload(
        editor,
        archive,
        ("one.txt", article_text(title="From a text file").encode()),
        (
            "more.zip",
            zipped(
                {
                    "a/two.txt": article_text(title="From the archive"),
                    "broken.txt": "Title\n\nno date\n\nBody",
                }
            ),
        ),
        (
            "list.csv",
            b"title,date,body,countries\nFrom the CSV,2019-02-03,About Peru.,PE\n,2019-02-03,No title,\n",
        ),
    )
    assert response["Location"] == f"/admin/articles/importbatch/{batch.pk}/change/"
    batch.refresh_from_db()
    assert (batch.status, batch.total, batch.processed) == ("done", 5, 5)
    assert (batch.created_count, batch.failed_count) == (3, 2)
    assert outcomes(batch) == [
        ("", "created"),
        ("line 2", "created"),
        ("line 3", "failed"),
        ("member a/two.txt", "created"),
        ("member broken.txt", "failed"),
    ]
    assert sorted(batch.files.values_list("name", flat=True)) == ["list.csv", "more.zip", "one.txt"]
    kept = batch.files.get(name="list.csv")
    assert kept.read().startswith(b"title,date,body")  # the original, as uploaded
    assert list(Article.objects.get(title="From the CSV").countries.values_list("code", flat=True)) == ["PE"]
    assert client.get("/api/search", {"q": "archive"}).json()["count"] == 1

    page = editor.get(f"/admin/articles/importbatch/{batch.pk}/change/").content.decode()
    assert "5 of 5 releases" in page and "2 failed" in page
    failed = editor.get(
        "/admin/articles/importitem/", {"batch__id__exact": batch.pk, "outcome__exact": "failed"}
    ).content.decode()
    assert "Line 3 should be the publication date" in failed and "The title is missing." in failed
    assert "From the CSV" not in failed
    created = editor.get(
        "/admin/articles/importitem/", {"batch__id__exact": batch.pk, "outcome__exact": "created"}
    ).content.decode()
    article = Article.objects.get(title="From the archive")
    assert f"/admin/articles/article/{article.pk}/change/" in created
    listing = editor.get("/admin/articles/article/").content.decode()
    assert f'href="/admin/articles/importbatch/{batch.pk}/change/">batch {batch.pk}</a>' in listing


def test_the_same_release_twice_in_one_batch_and_across_batches_is_stored_once(editor, archive):
    text = article_text(title="Twice").encode()
    batch, _ = upload(editor, archive, ("a.txt", text), ("copy.zip", zipped({"again.txt": text})))
    assert sorted(i.outcome for i in batch.items.all()) == ["created", "unchanged"]
    second, _ = upload(editor, archive, ("b.txt", text))
    assert [i.outcome for i in second.items.all()] == ["unchanged"]
    assert Article.objects.filter(title="Twice").count() == 1


def test_a_changed_release_updates_the_article_and_keeps_its_permalink(editor, archive, client):
    text = (
        b'"Kenya and its neighbours met in Nairobi to agree a draft plan for the shared river basin, '
        b'to be signed in May."'
    )
    first, _ = upload(editor, archive, ("v1.csv", b"title,date,body\nEvolving,2019-05-05," + text + b"\n"))
    article = Article.objects.get(title="Evolving")
    corrected = text.replace(b"draft", b"final")
    second, _ = upload(
        editor, archive, ("v2.csv", b"title,date,body\nEvolving,2019-05-05," + corrected + b"\n")
    )
    assert [i.outcome for i in second.items.all()] == ["updated"]
    assert Article.objects.get(title="Evolving").get_absolute_url() == article.get_absolute_url()
    assert client.get("/api/search", {"q": "final"}).json()["count"] == 1
    assert client.get("/api/search", {"q": "draft"}).json()["count"] == 0


def test_an_unknown_format_is_refused_naming_the_accepted_ones(editor, db):
    response = editor.post(
        "/admin/articles/article/import/", {"files": [SimpleUploadedFile("report.rtf", b"{\\rtf1 Report}")]}
    )
    assert response.status_code == 200
    assert (
        "is not a format Pressroom imports; upload .txt, .docx, .pdf, .html, .htm, .eml, .mbox, .csv, "
        ".jsonl, .json, .zip files." in response.content.decode()
    )
    assert not ImportBatch.objects.exists()


def test_a_zip_bomb_fails_the_file_not_the_batch(editor, archive):
    bomb = zipped({"zeros.txt": "0" * (30 * 1024 * 1024)})
    batch, _ = upload(editor, archive, ("bomb.zip", bomb), ("fine.txt", article_text(title="Fine").encode()))
    items = {item.source_file.name: item for item in batch.items.select_related("source_file")}
    assert items["bomb.zip"].outcome == "failed" and "ZIP bomb" in items["bomb.zip"].reason
    assert items["fine.txt"].outcome == "created"


def test_processing_a_batch_again_resumes_without_doubling(editor, archive):
    from articles.importing import process_batch

    batch, _ = upload(
        editor, archive, ("list.csv", b"title,date,body\nA,2019-01-01,Kenya.\nB,2019-01-02,Peru.\n")
    )
    ImportItem.objects.filter(batch=batch, position=1).delete()  # as if stopped before the second release
    with archive.committed():
        process_batch(batch)
    assert sorted(batch.items.values_list("position", flat=True)) == [0, 1]
    assert Article.objects.count() == 2


def test_the_command_line_prints_the_batch_summary(archive, tmp_path):
    from django.core.management import call_command

    (tmp_path / "list.csv").write_text("title,date,body\nA,2019-01-01,Kenya.\nB,bad,Peru.\n")
    out = io.StringIO()
    with archive.committed(), pytest.raises(Exception, match="1 of 2 releases could not be imported"):
        call_command("import_articles", str(tmp_path), stdout=out, stderr=io.StringIO())
    batch = ImportBatch.objects.get()
    assert f"Import batch {batch.pk}: {batch.summary()}" in out.getvalue()
    assert "list.csv, line 3: The date 'bad' is missing or not understood" in out.getvalue()


def test_the_original_files_can_be_downloaded_from_the_batch_page(editor, archive, client):
    batch, _ = upload(editor, archive, ("list.csv", b"title,date,body\nA,2019-01-01,Kenya.\n"))
    stored = batch.files.get()
    page = editor.get(f"/admin/articles/importbatch/{batch.pk}/change/").content.decode()
    assert f"/admin/articles/importbatch/file/{stored.pk}/" in page
    response = editor.get(f"/admin/articles/importbatch/file/{stored.pk}/")
    assert b"".join(response.streaming_content) == b"title,date,body\nA,2019-01-01,Kenya.\n"
    assert 'filename="list.csv"' in response["Content-Disposition"]
    client.logout()
    assert (
        client.get(f"/admin/articles/importbatch/file/{stored.pk}/").status_code == 302
    )  # to the login page


def test_a_batch_can_be_imported_again_from_its_kept_files(editor, archive):
    first, _ = upload(editor, archive, ("list.csv", b"title,date,body\nA,2019-01-01,Kenya.\n"))
    with archive.committed():
        editor.post(
            "/admin/articles/importbatch/", {"action": "import_again", "_selected_action": [first.pk]}
        )
    again = ImportBatch.objects.latest("pk")
    assert again.pk != first.pk and again.origin == f"again from batch {first.pk}"
    assert [i.outcome for i in again.items.all()] == ["unchanged"]
    assert again.files.get().read() == first.files.get().read()


@pytest.fixture
def refused_title(db):
    """A database that refuses any release titled "Refused", as it would one too long for a column."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_title() RETURNS trigger AS $$ BEGIN IF NEW.title = 'Refused' THEN "
                "RAISE EXCEPTION 'value too long' USING ERRCODE = '22001'; END IF; RETURN NEW; END $$ "
                "LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER refuse_title BEFORE INSERT ON articles_article "
                "FOR EACH ROW EXECUTE FUNCTION refuse_title()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER refuse_title BEFORE INSERT ON articles_article WHEN NEW.title = 'Refused' "
                "BEGIN SELECT RAISE(ABORT, 'value too long'); END"
            )
    # The test's transaction, rolled back at its end, takes the trigger with it.
    return "DataError" if connection.vendor == "postgresql" else "IntegrityError"


def test_a_release_the_database_refuses_fails_alone(editor, archive, refused_title):
    batch, _ = upload(
        editor,
        archive,
        ("list.csv", b"title,date,body\nRefused,2019-01-01,Kenya.\nAccepted,2019-01-02,Peru.\n"),
    )
    assert outcomes(batch) == [("line 2", "failed"), ("line 3", "created")]
    assert f"The database refused this release ({refused_title})" in batch.items.get(position=0).reason
    assert list(Article.objects.values_list("title", flat=True)) == ["Accepted"]


def test_a_large_batch_keeps_every_good_release_and_explains_every_bad_one(archive, refused_title, tmp_path):
    """1,000 files, new releases stored together: a bad one among them never costs a good neighbour."""
    files = tmp_path / "files"
    files.mkdir()
    expected = {}  # file name: (outcome, part of its reason)
    for number in range(1000):
        title, date, body = f"Release {number}", "3 May, 2019", f"Kenya and Peru, text {number}."
        outcome, reason = "created", ""
        if number % 47 == 5:
            title, outcome, reason = (
                "Refused",
                "failed",
                f"The database refused this release ({refused_title})",
            )
        elif number % 43 == 7:
            date, outcome, reason = "no date at all", "failed", "date"
        elif number == 11:  # the first's title and date, another text: another release
            title, body, reason = "Release 0", "Peru alone: another release under one headline.", "same title"
        elif number == 13:  # the first's very text
            title, body, outcome = "Release 0", "Kenya and Peru, text 0.", "unchanged"
        (files / f"{number:04}.txt").write_text(article_text(title=title, date=date, body=body))
        expected[f"{number:04}.txt"] = (outcome, reason)
    batch = process_batch(batch_from_paths(sorted(files.iterdir())))

    items = {item.source_file.name: item for item in batch.items.select_related("source_file", "article")}
    assert {
        name: (item.outcome, item.reason) for name, item in items.items() if item.outcome == "failed"
    } == {
        name: (outcome, items[name].reason) for name, (outcome, _) in expected.items() if outcome == "failed"
    }
    for name, (outcome, reason) in expected.items():
        assert items[name].outcome == outcome and reason in items[name].reason, (name, items[name].reason)
    created = [name for name, (outcome, _) in expected.items() if outcome == "created"]
    assert batch.created_count == Article.objects.count() == len(created) > 900
    assert batch.failed_count == sum(outcome == "failed" for outcome, _ in expected.values())
    assert items["0013.txt"].article == items["0000.txt"].article
    article = items["0999.txt"].article
    assert article.body == "Kenya and Peru, text 999."
    assert sorted(article.countries.values_list("code", flat=True)) == ["KE", "PE"]
    assert article.versions.get().number == 1


def test_a_senders_list_of_countries_is_exactly_the_tags_and_a_new_list_replaces_it(editor, archive, client):
    upload(
        editor,
        archive,
        ("v1.csv", b"title,date,body,countries\nFisheries,2019-05-05,Kenya and Peru on fish.,NO;FI\n"),
    )
    article = Article.objects.get(title="Fisheries")
    assert sorted(article.countries.values_list("code", flat=True)) == ["FI", "NO"]  # not Kenya or Peru
    upload(
        editor,
        archive,
        ("v2.csv", b"title,date,body,countries\nFisheries,2019-05-05,Kenya and Peru on fish again.,Peru\n"),
    )
    assert sorted(article.countries.values_list("code", flat=True)) == ["PE"]
    assert client.get("/api/search", {"country": "NO"}).json()["count"] == 0
    assert client.get("/api/search", {"country": "PE"}).json()["count"] == 1
    # Without a list, extraction decides again, within the choices the lists left.
    upload(
        editor,
        archive,
        ("v3.csv", b"title,date,body\nFisheries,2019-05-05,Kenya and Peru on fish once more.\n"),
    )
    assert sorted(article.countries.values_list("code", flat=True)) == ["PE"]


def test_a_resumed_batch_counts_each_recorded_release_once(editor, archive):
    from articles.importing import process_batch

    batch, _ = upload(
        editor, archive, ("list.csv", b"title,date,body\nA,2019-01-01,Kenya.\nB,2019-01-02,Peru.\n")
    )
    ImportItem.objects.filter(batch=batch, position=1).delete()  # as if stopped before the second release
    ImportBatch.objects.filter(pk=batch.pk).update(status="running")
    with archive.committed():
        process_batch(batch)
    batch.refresh_from_db()
    assert (batch.status, batch.processed, batch.total, batch.created_count, batch.unchanged_count) == (
        "done",
        2,
        2,
        1,
        1,
    )
    page = editor.get(f"/admin/articles/importbatch/{batch.pk}/change/").content.decode()
    assert "2 of 2 releases" in page


@pytest.mark.parametrize(
    "defect",
    [
        RecursionError("maximum recursion depth exceeded"),
        UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"),
    ],
)
def test_an_unexpected_error_in_one_release_fails_that_release_alone(editor, archive, monkeypatch, defect):
    from articles import importing

    real_find = importing.find_countries

    def tripping(title, body):
        if title == "Tripping":
            raise defect
        return real_find(title, body)

    monkeypatch.setattr(importing, "find_countries", tripping)
    batch, _ = upload(
        editor,
        archive,
        ("list.csv", b"title,date,body\nTripping,2019-01-01,Kenya.\nSteady,2019-01-02,Peru.\n"),
    )
    batch.refresh_from_db()
    assert batch.status == "done"
    assert outcomes(batch) == [("line 2", "failed"), ("line 3", "created")]
    assert (
        f"Pressroom could not import this release ({type(defect).__name__})"
        in batch.items.get(position=0).reason
    )
    assert list(Article.objects.values_list("title", flat=True)) == ["Steady"]


def test_a_release_that_trips_the_store_fails_alone(editor, archive, monkeypatch):
    real_set_slug = Article.set_slug  # on every way of storing a release, alone or with others

    def tripping(article):
        if article.title == "Tripping":
            raise RecursionError("maximum recursion depth exceeded")
        real_set_slug(article)

    monkeypatch.setattr(Article, "set_slug", tripping)
    batch, _ = upload(
        editor,
        archive,
        ("list.csv", b"title,date,body\nTripping,2019-01-01,Kenya.\nSteady,2019-01-02,Peru.\n"),
    )
    assert outcomes(batch) == [("line 2", "failed"), ("line 3", "created")]
    assert "(RecursionError)" in batch.items.get(position=0).reason


def test_a_file_whose_reading_breaks_fails_alone_keeping_what_was_read(editor, archive, monkeypatch):
    from articles import importing

    real_read = importing.read_articles

    def breaking(name, data, limits):
        articles = real_read(name, data, limits)
        if name == "broken.csv":
            yield next(articles)
            raise RecursionError("maximum recursion depth exceeded")
        yield from articles

    monkeypatch.setattr(importing, "read_articles", breaking)
    batch, _ = upload(
        editor,
        archive,
        ("broken.csv", b"title,date,body\nFirst,2019-01-01,Kenya.\nLost,2019-01-02,Peru.\n"),
        ("fine.txt", article_text(title="Fine").encode()),
    )
    batch.refresh_from_db()
    assert batch.status == "done" and (batch.processed, batch.total) == (3, 3)
    assert sorted(Article.objects.values_list("title", flat=True)) == ["Fine", "First"]
    failed = batch.items.get(outcome="failed")
    assert failed.source_file.name == "broken.csv"
    assert "could not read the rest of this file (RecursionError)" in failed.reason


def test_a_reason_holding_a_lone_surrogate_is_still_recorded(editor, archive, monkeypatch):
    from articles import importing
    from articles.ingest.errors import RejectedArticle

    def refusing(*, parsed, **options):
        raise RejectedArticle("The title \ud83d is not a title.")

    monkeypatch.setattr(importing, "article_import", refusing)
    batch, _ = upload(editor, archive, ("list.csv", b"title,date,body\nA,2019-01-01,Kenya.\n"))
    batch.refresh_from_db()
    assert batch.status == "done"
    assert batch.items.get().reason == "The title ? is not a title."


def test_a_batch_stopped_by_something_other_than_a_release_ends_failed_with_the_reason(
    editor, archive, monkeypatch
):
    from django.db import OperationalError

    from articles import importing

    def database_gone(batch):
        raise OperationalError("disk I/O error")

    monkeypatch.setattr(importing, "_count_outcomes", database_gone)
    batch, _ = upload(editor, archive, ("list.csv", b"title,date,body\nA,2019-01-01,Kenya.\n"))
    batch.refresh_from_db()
    assert batch.status == "failed" and batch.finished
    assert "Processing stopped (OperationalError)" in batch.failure
    page = editor.get(f"/admin/articles/importbatch/{batch.pk}/change/").content.decode()
    assert "Processing stopped (OperationalError)" in page and "(so far)" not in page


def test_a_transaction_stops_writing_after_its_time_and_the_next_one_goes_on(editor, archive, monkeypatch):
    from articles import importing

    monkeypatch.setattr(importing, "CHUNK_SECONDS", 0)  # every transaction writes one group, then commits
    monkeypatch.setattr(importing, "GROUP_SIZE", 1)
    committed = []
    real_count = importing._count_outcomes
    monkeypatch.setattr(importing, "_count_outcomes", lambda batch: committed.append(1) or real_count(batch))
    rows = "".join(f"R{n},2019-01-0{n},Kenya.\n" for n in range(1, 4))
    batch, _ = upload(editor, archive, ("list.csv", ("title,date,body\n" + rows).encode()))
    batch.refresh_from_db()
    assert (batch.status, batch.created_count) == ("done", 3)
    assert len(committed) == 1 + 3  # the count at the start, then one per transaction


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="PostgreSQL's planner scans a test's small table whatever its indexes",
)
@pytest.mark.django_db
def test_an_imports_questions_about_stored_releases_follow_an_index_not_the_whole_table():
    """At a million releases a question that reads the whole table takes seconds, once per group
    of files: an import into such an archive ran at 25 releases/s until the texts had an index."""
    from django.test.utils import CaptureQueriesContext

    from articles.ingest.parsing import parse_article
    from articles.new_releases import KnownReleases

    parsed = parse_article(article_text())
    with CaptureQueriesContext(connection) as asked:
        KnownReleases([(parsed, "a" * 64)])
    asked_articles = [query["sql"] for query in asked.captured_queries]
    questions = [sql for sql in asked_articles if 'FROM "articles_article"' in sql]
    assert len(questions) == 2  # by text, by title and date (this release has no identifier)
    with connection.cursor() as cursor:
        for question in questions:
            cursor.execute(f"EXPLAIN QUERY PLAN {question}")
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "SCAN articles_article" not in plan, (question, plan)
