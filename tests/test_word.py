"""Word documents (.docx) as press offices write them: letterhead, date line, "ENDS", notes."""

import datetime
import html
import io
import zipfile

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.ingest.errors import RejectedArticle
from articles.ingest.formats import ImportLimits, read_articles
from articles.ingest.word import read_word_document
from articles.models import Article, ImportBatch

from .test_formats import zipped
from .test_upload_forms import IMPORT, UPLOAD, editor, post  # noqa: F401 (editor is a fixture)

LIMITS = ImportLimits()


def word_document(*paragraphs, title=None, created=None, header=(), footer=(), heading=None) -> bytes:
    """A .docx as Word saves it: the ministry's letterhead in the header, page numbers in the footer."""
    document = docx.Document()
    if title is not None:
        document.core_properties.title = title
    document.core_properties.created = created or datetime.datetime(2001, 1, 1)
    section = document.sections[0]
    for line in header:
        section.header.add_paragraph(line)
    for line in footer:
        section.footer.add_paragraph(line)
    if heading:
        document.add_heading(heading, level=0)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    saved = io.BytesIO()
    document.save(saved)
    return saved.getvalue()


LETTERHEAD_RELEASE = word_document(
    "For immediate release",
    "27 September 2019",
    "ISLAMABAD - The Foreign Minister met his Kenyan counterpart to discuss trade and water.",
    "Both sides agreed to meet again in Nairobi next spring.",
    "ENDS",
    "Notes to editors: the ministry's press office answers on weekdays.",
    title="Pakistan and Kenya agree to deepen trade ties",
    heading="Pakistan and Kenya agree to deepen trade ties",
    header=["Ministry of Foreign Affairs", "Press Office"],
    footer=["Page 1 of 1"],
)


def test_a_letterhead_release_reads_as_its_title_date_and_text():
    parsed = read_word_document(LETTERHEAD_RELEASE, LIMITS)
    assert parsed.title == "Pakistan and Kenya agree to deepen trade ties"
    assert parsed.published == datetime.date(2019, 9, 27)
    assert parsed.paragraphs == (
        "For immediate release",
        "ISLAMABAD - The Foreign Minister met his Kenyan counterpart to discuss trade and water.",
        "Both sides agreed to meet again in Nairobi next spring.",
        "Notes to editors: the ministry's press office answers on weekdays.",
    )
    assert "Ministry of Foreign Affairs" not in parsed.body and "Page 1" not in parsed.body


def test_without_a_title_property_the_first_line_is_the_title():
    parsed = read_word_document(word_document("Talks in Lima", "3 March 2021", "Peru and Chile met."), LIMITS)
    assert (parsed.title, parsed.published, parsed.paragraphs) == (
        "Talks in Lima",
        datetime.date(2021, 3, 3),
        ("Peru and Chile met.",),
    )


def test_without_a_date_line_the_document_is_dated_when_it_was_written():
    written = datetime.datetime(2020, 5, 17, 9, 30)
    parsed = read_word_document(
        word_document("Talks in Lima", "Peru and Chile met.", created=written), LIMITS
    )
    assert parsed.published == datetime.date(2020, 5, 17)
    assert parsed.paragraphs == ("Peru and Chile met.",)


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "not the ZIP package a .docx is"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500, "must be saved again as .docx"),  # an old .doc
        (zipped({"a.txt": b"Not Word."}), "not a Word document Pressroom can read"),
        (word_document(), "The document is empty."),
        (word_document("Only a title", "27 Sep 2019"), "no text after its title and date"),
        (word_document("27 Sep 2019", "Text."), "opens with a date"),
        (word_document("x" * 600, "27 Sep 2019", "Text."), "a title has at most 500"),
    ],
)
def test_a_document_that_is_not_a_release_says_why(content, reason):
    with pytest.raises(RejectedArticle, match=reason):
        read_word_document(content, LIMITS)


def test_a_zip_bomb_dressed_as_a_document_is_refused_unpacked():
    bomb = io.BytesIO(LETTERHEAD_RELEASE)
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as package:
        package.writestr("word/media/padding.bin", b"\0" * (8 * 1024 * 1024))
    with pytest.raises(RejectedArticle, match="looks like a ZIP bomb.*Nothing was unpacked"):
        read_word_document(bomb.getvalue(), LIMITS)


def test_a_document_over_the_release_limit_is_refused():
    long = word_document("A long release", "27 Sep 2019", *["Kenya and Peru met. " * 50] * 30)
    with pytest.raises(RejectedArticle, match="a release has at most 10,000"):
        read_word_document(long, ImportLimits(max_article_bytes=10_000))


def test_documents_in_an_archive_are_read_and_a_bad_one_fails_alone():
    archive = zipped(
        {
            "releases/lima.docx": word_document("Talks in Lima", "3 March 2021", "Peru and Chile met."),
            "releases/broken.docx": b"PK\x03\x04 not really",
            "releases/notes.txt": b"Talks in Quito\n4 March 2021\n\nEcuador met.\n",
        }
    )
    read = {article.location: article for article in read_articles("week.zip", archive, LIMITS)}
    assert read["member releases/lima.docx"].parsed.title == "Talks in Lima"
    assert "not a Word document" in read["member releases/broken.docx"].error
    assert read["member releases/notes.txt"].parsed.title == "Talks in Quito"


def test_a_press_officer_uploads_a_word_document_and_it_is_a_release(editor, archive, client):  # noqa: F811
    response = post(editor, archive, UPLOAD, "statement.docx", LETTERHEAD_RELEASE)
    assert response.status_code == 200
    article = Article.objects.get()
    assert article.title == "Pakistan and Kenya agree to deepen trade ties"
    assert article.published == datetime.date(2019, 9, 27)
    assert sorted(article.countries.values_list("code", flat=True)) == ["KE", "PK"]
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Both sides agreed to meet again in Nairobi" in html.unescape(page)


def test_a_batch_of_word_documents_has_an_outcome_for_each(editor, archive):  # noqa: F811
    files = [
        ("lima.docx", word_document("Talks in Lima", "3 March 2021", "Peru and Chile met.")),
        ("broken.docx", b"not a document"),
    ]
    with archive.committed():
        from django.core.files.uploadedfile import SimpleUploadedFile

        editor.post(IMPORT, {"files": [SimpleUploadedFile(name, data) for name, data in files]}, follow=True)
    batch = ImportBatch.objects.get()
    outcomes = {item.source_file.name: (item.outcome, item.reason) for item in batch.items.all()}
    assert outcomes["lima.docx"][0] == "created"
    assert outcomes["broken.docx"][0] == "failed" and "not the ZIP package" in outcomes["broken.docx"][1]


paragraph_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=80)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(paragraph_text, max_size=8), st.none() | paragraph_text)
def test_any_document_gives_a_release_or_a_reason(paragraphs, title):
    try:
        content = word_document(*paragraphs, title=title)
    except ValueError:  # python-docx refuses to write what XML cannot hold; no file, nothing to read
        return
    try:
        parsed = read_word_document(content, LIMITS)
    except RejectedArticle as error:
        assert str(error)
        return
    assert parsed.title.strip() and parsed.paragraphs and all(parsed.paragraphs)
