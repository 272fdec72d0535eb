"""Attachments end to end: kept on import, listed on the release's page, downloaded safely, gone
with a removal, unserved while withdrawn; and the batch's original files for staff."""

import datetime
import html
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from articles.editing import merge, remove_permanently, withdraw
from articles.ingest.attachments import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    NAME_MAX_CHARACTERS,
    Attachment,
    kept_attachments,
    safe_name,
    served_type,
)
from articles.ingest.formats import ImportLimits, read_articles
from articles.ingest.parsing import ParsedArticle
from articles.models import ArticleAttachment, ImportBatch
from articles.services import article_import

from .test_email import MINISTRY_RELEASE, PHOTO, mail
from .test_pdf import LETTERHEAD_RELEASE
from .test_upload_forms import UPLOAD, editor, post  # noqa: F401 (editor is a fixture)


@pytest.fixture(autouse=True)
def uploads(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT


def files_in(folder: Path) -> list[Path]:
    return sorted(path for path in (folder / "attachments").rglob("*") if path.is_file())


def release(title="Talks in Lima", body="Peru met Chile.", attachments=(), notes=()):
    return ParsedArticle(
        title, datetime.date(2021, 3, 3), (body,), attachments=tuple(attachments), notes=tuple(notes)
    )


def imported(archive, parsed):
    with archive.committed():
        return article_import(parsed=parsed)


def downloaded(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(
    "sent, kept",
    [
        ("photo.jpg", "photo.jpg"),
        ("../../x.svg", "x.svg"),
        ("C:\\Users\\press\\annex.pdf", "annex.pdf"),
        ("<script>.html", "_script_.html"),
        ("evil\u202egpj.exe", "evilgpj.exe"),  # a right-to-left override would show "exe.jpg"
        ("line\r\nbreak.png", "line break.png"),
        ("...", "attachment-3.bin"),
        ("", "attachment-3.bin"),
        ("\u200b.pdf", "attachment-3.pdf"),
        ("a" * 500 + ".pdf", "a" * (NAME_MAX_CHARACTERS - 4) + ".pdf"),
    ],
)
def test_a_sender_s_file_name_is_made_safe(sent, kept):
    assert safe_name(sent, number=3) == kept


@given(st.text(st.characters(codec=None, exclude_categories=()), max_size=400))
def test_any_name_becomes_a_safe_one(name):
    kept = safe_name(name)
    assert 0 < len(kept) <= NAME_MAX_CHARACTERS
    assert not re.search(r'[/\\<>:"|?*\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]', kept)
    assert kept == kept.strip() and not kept.startswith(".")
    assert safe_name(kept) == kept  # made safe once is safe
    kept.encode("utf-8")


def test_only_listed_types_are_served_as_themselves():
    assert served_type("Photo.JPG") == "image/jpeg"
    assert served_type("annex.pdf") == "application/pdf"
    for name in ("page.html", "logo.svg", "notes.txt", "data.xml", "script.js", "file", "x.exe"):
        assert served_type(name) == "application/octet-stream"


def test_attachments_past_the_limits_are_left_out_and_said_so():
    many = [Attachment(f"p{n}.jpg", "image/jpeg", bytes([n])) for n in range(MAX_ATTACHMENTS + 2)]
    huge = Attachment("film.mp4", "video/mp4", b"\0" * (MAX_ATTACHMENT_BYTES + 1))
    twice = Attachment("again.jpg", "image/jpeg", bytes([0]))
    kept, notes = kept_attachments([huge, twice, *many, Attachment("empty.txt", "text/plain", b"")])
    # The same bytes twice (again.jpg, p0.jpg) are kept once.
    assert [each.name for each in kept] == ["again.jpg"] + [f"p{n}.jpg" for n in range(1, MAX_ATTACHMENTS)]
    assert notes[0].startswith("The attachment 'film.mp4' (26,214,401 bytes) was left out")
    assert "'p20.jpg' was left out: a release keeps at most 20" in notes[1]
    assert "'empty.txt' is empty" in notes[-1]


def test_a_release_keeps_its_attachments_once_and_a_resend_adds_a_new_one(archive, uploads):
    photo = Attachment("photo.jpg", "image/jpeg", PHOTO)
    first = imported(archive, release(attachments=[photo]))
    again = imported(
        archive, release(attachments=[photo, Attachment("annex.pdf", "application/pdf", b"%PDF")])
    )
    assert (first.outcome, again.outcome, again.reason) == ("created", "unchanged", "1 attachment added")
    assert [(a.name, a.size) for a in first.article.attachments.all()] == [
        ("photo.jpg", len(PHOTO)),
        ("annex.pdf", 4),
    ]
    assert sorted(path.read_bytes() for path in files_in(uploads)) == sorted([PHOTO, b"%PDF"])
    # The same photo on another release shares its file.
    other = imported(archive, release("Talks in Quito", "Ecuador met Peru.", attachments=[photo]))
    assert (
        other.article.attachments.get().file.name == first.article.attachments.get(name="photo.jpg").file.name
    )
    assert len(files_in(uploads)) == 2


def test_what_is_left_out_is_told_in_the_outcome(archive):
    result = imported(archive, release(notes=["The attachment 'film.mp4' was left out."]))
    assert (result.outcome, result.reason) == ("created", "The attachment 'film.mp4' was left out.")


def test_an_uploaded_email_s_photo_is_listed_and_downloads_safely(editor, archive, client):  # noqa: F811
    response = post(editor, archive, UPLOAD, "release.eml", MINISTRY_RELEASE)
    assert response.status_code == 200
    attachment = ArticleAttachment.objects.get()
    article = attachment.article
    page = client.get(article.get_absolute_url()).content.decode()
    url = f"/articles/{article.pk}/{article.slug}/attachments/{attachment.pk}/minister-in-nairobi.jpg"
    assert f'href="{url}"' in page and "minister-in-nairobi.jpg" in page and "(JPG, 1.0\xa0KB)" in page
    response = client.get(url)
    assert downloaded(response) == PHOTO
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'attachment; filename="minister-in-nairobi.jpg"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    api = client.get(f"/api/articles/{article.pk}").json()
    assert api["attachments"] == [
        {
            "name": "minister-in-nairobi.jpg",
            "content_type": "image/jpeg",
            "size": len(PHOTO),
            "url": f"http://testserver{url}",
        }
    ]


@pytest.mark.parametrize(
    "sent, kept",
    [
        ("<script>alert(1)</script>.html", "script_.html"),
        ("../../x.svg", "x.svg"),
        ("Présentation.txt", "Présentation.txt"),
        ("100% #1 report.xml", "100% #1 report.xml"),
    ],
)
def test_a_hostile_attachment_is_an_octet_stream_download_with_a_safe_name(archive, client, sent, kept):
    hostile = b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"
    [read] = read_articles(
        "a.eml", mail("Talks", "27 Sep 2019\n\nText.", attachments=[(sent, "text/html", hostile)])
    )
    result = imported(archive, read.parsed)
    attachment = result.article.attachments.get()
    assert attachment.name == kept
    page = client.get(result.article.get_absolute_url()).content.decode()
    assert "<script>" not in page and html.escape(kept) in page
    response = client.get(attachment.get_absolute_url())
    assert downloaded(response) == hostile
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment; filename")
    assert "/" not in response["Content-Disposition"].split("filename", 1)[1].replace("utf-8''", "")


def test_a_withdrawn_release_s_attachment_answers_410_and_comes_back_with_it(archive, client):
    result = imported(archive, release(attachments=[Attachment("photo.jpg", "image/jpeg", PHOTO)]))
    url = result.article.attachments.get().get_absolute_url()
    with archive.committed():
        withdraw(result.article, note="Sent in error.")
    assert client.get(url).status_code == 410
    assert ArticleAttachment.objects.count() == 1  # kept, unserved


def test_a_merged_release_s_attachment_is_offered_by_the_survivor(archive, client):
    duplicate = imported(archive, release(attachments=[Attachment("photo.jpg", "image/jpeg", PHOTO)])).article
    survivor = imported(archive, release("Lima talks", "Peru and Chile met.")).article
    with archive.committed():
        merge(duplicate, survivor)
    attachment = ArticleAttachment.objects.get()
    assert attachment.article_id == duplicate.pk  # it stays with its own release
    response = client.get(attachment.get_absolute_url(duplicate))
    assert (response.status_code, response["Location"]) == (301, attachment.get_absolute_url(survivor))
    assert downloaded(client.get(response["Location"])) == PHOTO
    assert "photo.jpg" in client.get(survivor.get_absolute_url()).content.decode()


def test_another_release_s_attachment_or_a_wrong_name_is_not_served_by_a_release(archive, client):
    one = imported(archive, release(attachments=[Attachment("photo.jpg", "image/jpeg", PHOTO)])).article
    other = imported(archive, release("Quito talks", "Ecuador met.")).article
    attachment = one.attachments.get()
    assert (
        client.get(f"/articles/{other.pk}/{other.slug}/attachments/{attachment.pk}/photo.jpg").status_code
        == 404
    )
    wrong = client.get(f"/articles/{one.pk}/old-slug/attachments/{attachment.pk}/other.jpg")
    assert (wrong.status_code, wrong["Location"]) == (301, attachment.get_absolute_url())


def test_a_file_deleted_or_made_unreadable_on_disk_answers_404_not_an_error(archive, client, uploads):
    attachment = imported(
        archive, release(attachments=[Attachment("photo.jpg", "image/jpeg", PHOTO)])
    ).article.attachments.get()
    stored = Path(attachment.file.path)
    stored.unlink()  # an operator cleaning the disk
    assert client.get(attachment.get_absolute_url()).status_code == 404
    stored.mkdir()  # or a restore gone wrong: the name is there, but no file can be read from it
    assert client.get(attachment.get_absolute_url()).status_code == 404


def test_a_removal_for_good_deletes_the_attachments_and_their_files(archive, client, uploads):
    photo = Attachment("photo.jpg", "image/jpeg", PHOTO)
    removed = imported(
        archive, release(attachments=[photo, Attachment("annex.pdf", "application/pdf", b"%PDF")])
    ).article
    kept = imported(archive, release("Quito talks", "Ecuador met.", attachments=[photo])).article
    url = removed.attachments.get(name="annex.pdf").get_absolute_url()
    with archive.committed():
        remove_permanently(removed, reason="Court order 12/2024.")
    assert client.get(url).status_code == 410
    assert list(ArticleAttachment.objects.values_list("article_id", "name")) == [(kept.pk, "photo.jpg")]
    assert [path.read_bytes() for path in files_in(uploads)] == [PHOTO]  # still the other release's


def test_a_release_read_from_a_pdf_keeps_the_pdf():
    [read] = read_articles("releases/Lima talks.pdf", LETTERHEAD_RELEASE, ImportLimits())
    assert read.parsed.title == "Pakistan and Kenya agree to deepen trade ties"
    assert read.parsed.attachments == (Attachment("Lima talks.pdf", "application/pdf", LETTERHEAD_RELEASE),)
    [read] = read_articles("a.docx", b"x", ImportLimits())
    assert read.error  # a Word file that does not read keeps nothing either


def test_the_batch_s_original_file_downloads_for_staff_only(editor, archive, client):  # noqa: F811
    post(editor, archive, UPLOAD, "<b>release</b>.eml", MINISTRY_RELEASE)
    stored = ImportBatch.objects.get().files.get()
    page = editor.get(f"/admin/articles/importbatch/{stored.batch_id}/change/").content.decode()
    url = f"/admin/articles/importbatch/file/{stored.pk}/"
    assert url in page
    response = editor.get(url)
    assert downloaded(response) == MINISTRY_RELEASE
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    client.logout()
    assert client.get(url).status_code == 302  # to the sign-in page


def test_a_command_line_batch_s_file_downloads_while_it_is_still_there(editor, archive, tmp_path):  # noqa: F811
    from django.core.management import call_command

    (tmp_path / "in").mkdir()
    source = tmp_path / "in" / "release.eml"
    source.write_bytes(MINISTRY_RELEASE)
    with archive.committed():
        call_command("import_articles", str(source), verbosity=0)
    stored = ImportBatch.objects.get().files.get()
    url = f"/admin/articles/importbatch/file/{stored.pk}/"
    change_page = f"/admin/articles/importbatch/{stored.batch_id}/change/"
    assert "download as imported" in editor.get(change_page).content.decode()
    assert downloaded(editor.get(url)) == MINISTRY_RELEASE
    source.unlink()
    assert "no longer where it was imported from" in editor.get(change_page).content.decode()
    assert editor.get(url).status_code == 404


def test_the_admin_lists_a_release_s_attachments_and_hands_them_out_even_withdrawn(editor, archive):  # noqa: F811
    result = imported(archive, release(attachments=[Attachment("photo.jpg", "image/jpeg", PHOTO)]))
    with archive.committed():
        withdraw(result.article, note="Sent in error.")
    page = editor.get(f"/admin/articles/article/{result.article.pk}/change/").content.decode()
    attachment = result.article.attachments.get()
    assert "photo.jpg" in page and f"/admin/articles/article/attachment/{attachment.pk}/" in page
    assert downloaded(editor.get(f"/admin/articles/article/attachment/{attachment.pk}/")) == PHOTO


def test_a_backup_keeps_the_attachments_and_a_restore_brings_them_back(archive, client, uploads, tmp_path):
    import shutil

    from articles.backups import restore_backup, write_backup
    from articles.models import Article

    result = imported(archive, release(attachments=[Attachment("photo.jpg", "image/jpeg", PHOTO)]))
    url = result.article.attachments.get().get_absolute_url()
    write_backup(tmp_path / "backup.tar.gz")
    Article.objects.all().delete()
    shutil.rmtree(uploads)
    assert client.get(url).status_code == 404
    with archive.committed():
        restore_backup(tmp_path / "backup.tar.gz")
    restored = ArticleAttachment.objects.get()
    assert (restored.article_id, restored.name, restored.size) == (result.article.pk, "photo.jpg", len(PHOTO))
    assert downloaded(client.get(url)) == PHOTO
