"""The admin's two upload pages, 'Upload a release' and 'Import releases'.

They are sent files a press officer might send.
"""

import html
import json

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from articles.models import Article, ImportBatch, ImportFile

from .conftest import article_text
from .test_formats import zipped

UPLOAD, IMPORT = "/admin/articles/article/upload/", "/admin/articles/article/import/"
CSV_OF_TWO = b"title,date,body\nFirst,2019-01-01,Kenya.\nSecond,2019-01-02,Peru.\n"


@pytest.fixture
def editor(client, django_user_model):
    client.force_login(
        django_user_model.objects.create_superuser("editor", "e@example.org", "a long password 123")
    )
    return client


def post(client, archive, url, name, content, **extra):
    field = "release" if url == UPLOAD else "files"
    with archive.committed():
        return client.post(url, {field: SimpleUploadedFile(name, content), **extra}, follow=True)


def test_a_file_of_several_releases_becomes_an_import_batch(editor, archive):
    response = post(editor, archive, UPLOAD, "two.csv", CSV_OF_TWO)
    assert response.status_code == 200
    batch = ImportBatch.objects.get()
    assert response.redirect_chain[-1][0] == f"/admin/articles/importbatch/{batch.pk}/change/"
    assert f"'two.csv' holds several releases, so it became import batch {batch.pk}" in html.unescape(
        response.content.decode()
    )
    assert sorted(Article.objects.values_list("title", flat=True)) == ["First", "Second"]


@pytest.mark.parametrize(
    "name, content",
    [
        ("empty.json", b"[]"),
        ("header.csv", b"title,date,body\n"),
        ("debris.zip", zipped({"__MACOSX/._a.txt": b"junk", ".DS_Store": b"junk"})),
    ],
)
def test_a_file_without_a_release_is_refused_and_nothing_is_kept(editor, archive, name, content):
    response = post(editor, archive, UPLOAD, name, content)
    assert response.status_code == 200
    assert f"{name!r} holds no release" in html.unescape(response.content.decode())
    assert ImportBatch.objects.count() == 0 and ImportFile.objects.count() == 0


def test_a_release_that_fails_is_refused_with_its_reason_and_nothing_is_kept(editor, archive):
    response = post(
        editor,
        archive,
        UPLOAD,
        "bad.json",
        json.dumps({"title": "T", "date": "0019-01-01", "body": "B"}).encode(),
    )
    assert "The publication date 0019-01-01 is outside the dates Pressroom accepts" in html.unescape(
        response.content.decode()
    )
    assert ImportBatch.objects.count() == 0


def test_importing_without_a_file_says_so_and_creates_no_batch(editor, archive):
    with archive.committed():
        response = editor.post(IMPORT, {"files": ""})
    assert response.status_code == 200
    assert "Choose at least one file to import." in html.unescape(response.content.decode())
    assert ImportBatch.objects.count() == 0


@pytest.mark.parametrize(
    "character", ["😀", "𠀀"]
)  # four bytes each; 𠀀 is a letter, so Django keeps it in file names
@pytest.mark.parametrize("url", [UPLOAD, IMPORT])
def test_a_long_name_of_four_byte_characters_is_kept_as_sent(editor, archive, url, character):
    name = character * 90 + ".txt"
    response = post(editor, archive, url, name, article_text(title="Long name").encode())
    assert response.status_code == 200
    stored = ImportFile.objects.get()
    assert stored.name == name
    assert len(stored.upload.name.rsplit("/", 1)[-1].encode()) < 255 and stored.upload.name.endswith(".txt")
    assert (
        len(stored.upload.name) <= ImportFile._meta.get_field("upload").max_length
    )  # PostgreSQL's varchar(100)
    assert Article.objects.get().title == "Long name"
    download = editor.get(f"/admin/articles/importbatch/file/{stored.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"Long name")


def test_uploading_needs_the_permission_to_add_articles(client, django_user_model, archive):
    staff = django_user_model.objects.create_user(
        "viewer", "v@example.org", "a long password 123", is_staff=True
    )
    staff.user_permissions.add(Permission.objects.get(codename="view_article"))
    client.force_login(staff)
    assert post(client, archive, UPLOAD, "one.txt", article_text().encode()).status_code == 403
    assert Article.objects.count() == 0


def test_a_bad_record_fails_alone_and_the_batch_finishes(editor, archive):
    good = [json.dumps({"title": f"Good {n}", "date": "2019-01-01", "body": "Kenya."}) for n in (1, 2)]
    lines = [
        good[0],
        "[" * 100_000,
        '{"title": "Surrogate \\ud800", "date": "2019-01-01", "body": "\\udfff Peru."}',
        good[1],
    ]
    response = post(editor, archive, IMPORT, "mixed.jsonl", "\n".join(lines).encode())
    assert response.status_code == 200
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.processed, batch.created_count, batch.failed_count) == (
        ImportBatch.Status.DONE,
        4,
        3,
        1,
    )
    assert "nested too deeply" in batch.items.get(outcome="failed").reason
    assert Article.objects.get(title="Surrogate").body == "Peru."


@pytest.mark.parametrize("method", ["put", "delete", "patch", "options", "trace"])
@pytest.mark.parametrize("page", ["/admin/articles/article/upload/", "/admin/articles/article/import/"])
def test_an_upload_page_refuses_methods_other_than_reading_and_posting(
    client, django_user_model, method, page
):
    client.force_login(
        django_user_model.objects.create_superuser("boss", "b@example.org", "a long password 123")
    )
    assert getattr(client, method)(page).status_code == 405
