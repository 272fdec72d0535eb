"""Word documents (.docx) as press offices write them: letterhead, date line, "ENDS", notes."""

import datetime
import html
import io
import re
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
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500,
            "must be saved again as an unprotected .docx",
        ),  # an old .doc
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
            "releases/~$lima.docx": b"\x06editor",  # the owner file Word leaves while it is open
        }
    )
    read = {article.location: article for article in read_articles("week.zip", archive, LIMITS)}
    assert len(read) == 3
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


W_NAMESPACE = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def word_document_of(*paragraph_xml: str, title=None) -> bytes:
    """A .docx whose body is the given WordprocessingML paragraphs and tables, as Word writes them."""
    from docx.oxml import parse_xml

    document = docx.Document()
    document.core_properties.created = datetime.datetime(2001, 1, 1)
    if title is not None:
        document.core_properties.title = title
    body = document.element.body
    for element in parse_xml(f"<w:body {W_NAMESPACE}>{''.join(paragraph_xml)}</w:body>"):
        body.insert(len(body) - 1, element)  # before the body's closing section properties
    saved = io.BytesIO()
    document.save(saved)
    return saved.getvalue()


def run(text):
    return f"<w:r><w:t xml:space='preserve'>{text}</w:t></w:r>"


def test_what_a_reviewed_draft_shows_is_read_whole():
    content = word_document_of(
        f"<w:p><w:pPr><w:pStyle w:val='Title'/></w:pPr>{run('Talks in Lima')}</w:p>",
        f"<w:p>{run('3 March 2021')}</w:p>",
        # A tracked insertion and deletion, a field, a smart tag and an inline content control.
        f"<w:p>{run('Peru and ')}<w:ins w:id='1' w:author='a'>{run('Chile ')}</w:ins>"
        f"<w:del w:id='2' w:author='a'><w:r><w:delText>Bolivia </w:delText></w:r></w:del>{run('met ')}"
        f"<w:fldSimple w:instr='DATE'>{run('today ')}</w:fldSimple>"
        f"<w:smartTag w:element='place'>{run('in Lima')}</w:smartTag>"
        f"<w:sdt><w:sdtContent>{run(' with Kenya.')}</w:sdtContent></w:sdt></w:p>",
        f"<w:tbl><w:tr><w:tc><w:p>{run('Contact: the press office.')}</w:p></w:tc></w:tr></w:tbl>",
        f"<w:sdt><w:sdtContent><w:p>{run('A block in a content control.')}</w:p></w:sdtContent></w:sdt>",
        title="Press release template",
    )
    parsed = read_word_document(content, LIMITS)
    assert parsed.title == "Talks in Lima"  # the visible title, not the template's property
    assert parsed.paragraphs == (
        "Peru and Chile met today in Lima with Kenya.",
        "Contact: the press office.",
        "A block in a content control.",
    )


@pytest.mark.parametrize("line", ["09/27/2019", "27.09.2019", "Friday 27-Sep-2019", "29 February 2019"])
def test_a_date_line_pressroom_cannot_read_is_refused_not_replaced(line):
    content = word_document("Talks in Lima", line, "Peru met.", created=datetime.datetime(2023, 5, 5))
    with pytest.raises(RejectedArticle, match="looks like the date, but is not one Pressroom reads"):
        read_word_document(content, LIMITS)


def package_changed(content: bytes, change) -> bytes:
    """The same .docx with its parts passed through `change(parts)` (a dict of name -> bytes)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    parts = change({name: source.read(name) for name in source.namelist()})
    changed = io.BytesIO()
    with zipfile.ZipFile(changed, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    return changed.getvalue()


def test_a_damaged_creation_date_is_no_date_and_the_date_line_still_counts():
    def empty_created(parts):
        parts["docProps/core.xml"] = re.sub(
            rb"<dcterms:created[^>]*>.*?</dcterms:created>", b"<dcterms:created/>", parts["docProps/core.xml"]
        )
        return parts

    content = package_changed(word_document("Talks in Lima", "3 March 2021", "Peru met."), empty_created)
    assert read_word_document(content, LIMITS).published == datetime.date(2021, 3, 3)
    undated = package_changed(word_document("Talks in Lima", "Peru met."), empty_created)
    with pytest.raises(RejectedArticle, match="states no publication date"):
        read_word_document(undated, LIMITS)


def test_a_document_without_properties_is_titled_by_its_first_line():
    def without_properties(parts):
        del parts["docProps/core.xml"]
        parts["_rels/.rels"] = re.sub(
            rb"<Relationship [^>]*core-properties[^>]*/>", b"", parts["_rels/.rels"]
        )
        return parts

    content = package_changed(word_document("Talks in Lima", "3 March 2021", "Peru met."), without_properties)
    parsed = read_word_document(content, LIMITS)
    assert (parsed.title, parsed.paragraphs) == ("Talks in Lima", ("Peru met.",))


def test_a_package_needing_an_unknown_zip_version_fails_alone():
    damaged = bytearray(word_document("Talks in Lima", "3 March 2021", "Peru met."))
    entry = damaged.find(b"PK\x01\x02")
    damaged[entry + 6 : entry + 8] = (64).to_bytes(2, "little")  # "version needed to extract: 6.4"
    archive = zipped({"a.docx": bytes(damaged), "b.txt": b"Talks in Quito\n4 March 2021\n\nEcuador met.\n"})
    read = {article.location: article for article in read_articles("week.zip", archive, LIMITS)}
    assert "not the ZIP package" in read["member a.docx"].error
    assert read["member b.txt"].parsed.title == "Talks in Quito"


def test_a_document_whose_text_part_is_too_large_is_refused_before_it_is_parsed():
    big = package_changed(
        word_document("Talks in Lima", "3 March 2021", "Peru met."),
        lambda parts: {**parts, "word/document.xml": parts["word/document.xml"] + b" " * 3_000_000},
    )
    with pytest.raises(RejectedArticle, match=r"word/document.xml would unpack to .* Nothing was unpacked"):
        read_word_document(big, ImportLimits(max_article_bytes=500_000))
