"""PDF releases as press offices publish them: letterhead, running headers, page footers, scans."""

import datetime
import html
import io
import time
import zlib
from pathlib import Path

import pytest
from fpdf import FPDF
from hypothesis import given
from hypothesis import strategies as st

from articles.ingest.errors import RejectedArticle
from articles.ingest.formats import ImportLimits, read_articles
from articles.ingest.pdf import MAX_PAGES, read_pdf_document
from articles.models import Article, ImportBatch

from .test_commands import count, run
from .test_formats import zipped
from .test_upload_forms import IMPORT, UPLOAD, editor, post  # noqa: F401 (editor is a fixture)

LIMITS = ImportLimits()
WRITTEN = datetime.datetime(2001, 1, 1, tzinfo=datetime.UTC)
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def pdf_document(
    *pages,
    title=None,
    heading=None,
    letterhead=(),
    running_header="",
    footer="",
    created=WRITTEN,
    font=None,
    encrypt=None,
) -> bytes:
    """A PDF as a word processor prints one: each page a list of paragraphs (a str is wrapped to
    the page's width, a list is the paragraph's lines as they break); the letterhead and heading
    open the first page; the running header and the footer ("Page {n} of {nb}") on every page."""
    pdf = FPDF(format="A4")
    pdf.set_creation_date(created)
    pdf.set_auto_page_break(False)
    if title is not None:
        pdf.set_title(title)
    if font:
        pdf.add_font("Body", fname=str(font))
    family = "Body" if font else "Helvetica"

    def header():
        if running_header:
            pdf.set_font(family, size=9)
            pdf.cell(0, 5, running_header, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(6)

    def page_footer():
        if footer:
            pdf.set_y(-15)
            pdf.set_font(family, size=9)
            pdf.cell(0, 5, footer.replace("{n}", str(pdf.page_no())), align="C")

    pdf.header, pdf.footer = header, page_footer
    if encrypt:
        pdf.set_encryption(**encrypt)
    for number, page in enumerate(pages):
        pdf.add_page()
        if number == 0:
            pdf.set_font(family, size=9)
            for line in letterhead:
                pdf.cell(0, 4.5, line, new_x="LMARGIN", new_y="NEXT")
            if heading:
                pdf.ln(6)
                pdf.set_font(family, size=17)
                pdf.multi_cell(0, 8, heading)
                pdf.ln(4)
        pdf.set_font(family, size=11)
        for paragraph in page:
            if isinstance(paragraph, str):
                pdf.multi_cell(0, 5, paragraph)
            else:
                for line in paragraph:
                    pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
    return bytes(pdf.output())


MET = "ISLAMABAD - The Foreign Minister met his Kenyan counterpart on Friday to discuss trade and the ports."
AGREED = (
    "Both sides agreed to meet again in Nairobi next spring, and to ask their trade officials for a plan "
    "that the two cabinets can sign before the summer recess."
)
LETTERHEAD_RELEASE = pdf_document(
    [
        "For immediate release",
        "27 September 2019",
        MET,
        AGREED,
        "ENDS",
        "Notes to editors: the ministry's press office answers on weekdays.",
    ],
    letterhead=["Ministry of Foreign Affairs", "Government of Pakistan", "Press Office, Islamabad"],
    heading="Pakistan and Kenya agree to deepen trade ties",
    footer="Page {n} of {nb}",
)


def test_a_letterhead_release_reads_as_its_title_date_and_text():
    parsed = read_pdf_document(LETTERHEAD_RELEASE, LIMITS)
    assert parsed.title == "Pakistan and Kenya agree to deepen trade ties"
    assert parsed.published == datetime.date(2019, 9, 27)
    assert parsed.paragraphs == (
        "For immediate release",
        MET,
        AGREED,
        "Notes to editors: the ministry's press office answers on weekdays.",
    )
    assert "Ministry of Foreign Affairs" not in parsed.body and "Page 1" not in parsed.body


THREE_PAGES = pdf_document(
    ["Talks in Lima on the shared river", "3 March 2021", "Peru and Chile met in Lima. " * 12],
    [
        "The ministers of water and of trade agreed on a common survey of the basin. " * 5,
        [
            "Both delegations thanked the host country, and the foreign minis-",
        ],
    ],
    [
        [
            "try of Peru said that the survey would start in May.",
            "Its first results are due in the autumn, for the Indo-",
            "Pacific summit in Lima.",
        ],
        "The next meeting will be held in Santiago.",
    ],
    running_header="Ministry of Foreign Affairs of Peru | Press release",
    footer="Page {n} of {nb}",
)


def test_running_headers_page_numbers_and_broken_words_are_repaired():
    parsed = read_pdf_document(THREE_PAGES, LIMITS)
    assert parsed.title == "Talks in Lima on the shared river"
    assert parsed.published == datetime.date(2021, 3, 3)
    assert parsed.paragraphs == (
        ("Peru and Chile met in Lima. " * 12).strip(),
        ("The ministers of water and of trade agreed on a common survey of the basin. " * 5).strip(),
        "Both delegations thanked the host country, and the foreign ministry of Peru said that the survey "
        "would start in May. Its first results are due in the autumn, for the Indo-Pacific summit in Lima.",
        "The next meeting will be held in Santiago.",
    )
    assert "Ministry of Foreign Affairs of Peru" not in parsed.body and "Page" not in parsed.body


@pytest.mark.parametrize("footer", ["{n}", "- {n} -", "{n}/{nb}", "Page {n}"])
def test_page_numbers_in_any_shape_are_dropped(footer):
    parsed = read_pdf_document(
        pdf_document(["Talks in Lima", "3 March 2021", "Peru met."], ["Chile met."], footer=footer), LIMITS
    )
    assert parsed.paragraphs == ("Peru met.", "Chile met.")


def test_the_title_property_names_the_release_unless_a_writing_tool_left_it():
    stated = pdf_document(["Peru and Chile met.", "3 March 2021", "They met in Lima."], title="Talks in Lima")
    parsed = read_pdf_document(stated, LIMITS)
    assert (parsed.title, parsed.paragraphs) == (
        "Talks in Lima",
        ("Peru and Chile met.", "They met in Lima."),
    )
    for left_by_a_tool in ("Microsoft Word - draft3.docx", "release_final.pdf", "Untitled", " "):
        parsed = read_pdf_document(
            pdf_document(["Talks in Quito", "4 March 2021", "Ecuador met."], title=left_by_a_tool), LIMITS
        )
        assert (parsed.title, parsed.paragraphs) == ("Talks in Quito", ("Ecuador met.",))


def test_a_title_property_that_repeats_the_heading_is_not_read_twice():
    content = pdf_document(
        ["4 March 2021", "Ecuador met."],
        heading="Talks in Quito",
        letterhead=["Ministry"],
        title="Talks in Quito",
    )
    parsed = read_pdf_document(content, LIMITS)
    assert (parsed.title, parsed.published, parsed.paragraphs) == (
        "Talks in Quito",
        datetime.date(2021, 3, 4),
        ("Ecuador met.",),
    )


def test_a_date_in_the_letterhead_above_the_heading_dates_the_release():
    content = pdf_document(
        [MET, AGREED],
        letterhead=["Ministry of Foreign Affairs", "27 September 2019"],
        heading="Pakistan and Kenya agree to deepen trade ties",
    )
    parsed = read_pdf_document(content, LIMITS)
    assert (parsed.published, parsed.paragraphs) == (datetime.date(2019, 9, 27), (MET, AGREED))


def test_a_pdf_whose_only_text_is_its_page_numbers_says_so():
    with pytest.raises(RejectedArticle, match="only text is its page headers, footers and numbers"):
        read_pdf_document(pdf_document([], [], footer="Page {n} of {nb}"), LIMITS)


def test_a_press_release_banner_set_larger_than_the_title_is_not_the_title():
    pdf = FPDF(format="A4")
    pdf.set_creation_date(WRITTEN)
    pdf.add_page()
    for size, line in [(9, "Ministry of Foreign Affairs"), (24, "PRESS RELEASE"), (16, "Talks in Lima")]:
        pdf.set_font("Helvetica", size=size)
        pdf.cell(0, size / 2, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    for line in ["3 March 2021", "Peru met."]:
        pdf.ln(4)
        pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    parsed = read_pdf_document(bytes(pdf.output()), LIMITS)
    assert (parsed.title, parsed.published, parsed.paragraphs) == (
        "Talks in Lima",
        datetime.date(2021, 3, 3),
        ("Peru met.",),
    )


def test_a_heading_over_two_lines_is_one_title():
    heading = "Pakistan and Kenya agree to deepen their trade ties and to share water data from the basins"
    parsed = read_pdf_document(pdf_document(["27 Sep 2019", MET], heading=heading), LIMITS)
    assert (parsed.title, parsed.paragraphs) == (heading, (MET,))


def test_without_a_date_line_the_pdf_is_dated_when_it_was_made():
    made = datetime.datetime(2020, 5, 17, 9, 30, tzinfo=datetime.UTC)
    parsed = read_pdf_document(pdf_document(["Talks in Lima", "Peru and Chile met."], created=made), LIMITS)
    assert (parsed.published, parsed.paragraphs) == (datetime.date(2020, 5, 17), ("Peru and Chile met.",))


def test_a_date_line_pressroom_cannot_read_is_refused_not_replaced():
    with pytest.raises(RejectedArticle, match="looks like the date, but is not one Pressroom reads"):
        read_pdf_document(pdf_document(["Talks in Lima", "09/27/2019", "Peru met."]), LIMITS)


def scanned_page() -> bytes:
    """A PDF as a scanner makes one: each page a picture of the paper, no text."""
    from PIL import Image, ImageDraw

    picture = Image.new("L", (600, 800), 255)
    ImageDraw.Draw(picture).text((40, 40), "Talks in Lima\n3 March 2021\nPeru met.", fill=0)
    saved = io.BytesIO()
    picture.save(saved, "PNG")
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.image(saved, x=0, y=0, w=210)
    return bytes(pdf.output())


def test_a_scanned_pdf_is_refused_and_says_ocr_is_to_come():
    with pytest.raises(
        RejectedArticle, match=r"no text layer: it looks like scanned pages.*OCR is a later step"
    ):
        read_pdf_document(scanned_page(), LIMITS)


def test_a_pdf_protected_by_a_password_is_refused_and_one_without_is_read():
    release = [["Talks in Lima"], ["3 March 2021"], ["Peru met."]]
    locked = pdf_document(*release, encrypt={"owner_password": "o", "user_password": "secret"})
    with pytest.raises(RejectedArticle, match="protected by a password"):
        read_pdf_document(locked, LIMITS)
    restricted = pdf_document(release[0] + release[1] + release[2], encrypt={"owner_password": "o"})
    assert read_pdf_document(restricted, LIMITS).paragraphs == ("Peru met.",)


HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def hand_made_pdf(
    content: bytes, stream_filter: str = "/FlateDecode", pages: int = 1, forms=(), font: bytes = HELVETICA
) -> bytes:
    """A PDF written object by object: `pages` pages that all draw the one content stream in the
    font `font` (its dictionary), with the form objects `forms` (flate-encoded) as /X1, /X2..."""
    kids = " ".join(f"{3 + n} 0 R" for n in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
    ]
    stream, font_number, first_form = 3 + pages, 4 + pages, 5 + pages
    drawn_forms = " ".join(f"/X{n + 1} {first_form + n} 0 R" for n in range(len(forms)))
    objects += [
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {stream} 0 R "
        f"/Resources << /Font << /F1 {font_number} 0 R >> /XObject << {drawn_forms} >> >> >>".encode()
    ] * pages
    filters = f"/Filter {stream_filter} " if stream_filter else ""
    objects += [
        f"<< /Length {len(content)} {filters}>>\nstream\n".encode() + content + b"\nendstream",
        font,
    ]
    objects += [
        f"<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] "
        f"/Resources << /Font << /F1 {font_number} 0 R >> >> "
        f"/Length {len(form)} /Filter /FlateDecode >>\nstream\n".encode()
        + form
        + b"\nendstream"
        for form in forms
    ]
    return pdf_of(objects)


def pdf_of(objects: list[bytes]) -> bytes:
    """The objects as a PDF file: numbered from 1 (the first is the catalogue), a cross-reference table."""
    out, offsets = io.BytesIO(b"%PDF-1.4\n"), []
    out.seek(0, io.SEEK_END)
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    out.write(b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets))
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def drawn(*lines: str) -> bytes:
    """A content stream setting each line 20 points under the last."""
    shown = "".join(f"({line}) Tj 0 -20 Td " for line in lines)
    return f"BT /F1 11 Tf 72 760 Td {shown}ET\n".encode()


def test_a_hand_made_pdf_is_read():
    content = hand_made_pdf(zlib.compress(drawn("Talks in Lima", "3 March 2021", "Peru met.")))
    parsed = read_pdf_document(content, LIMITS)
    assert (parsed.title, parsed.published, parsed.paragraphs) == (
        "Talks in Lima",
        datetime.date(2021, 3, 3),
        ("Peru met.",),
    )


@pytest.mark.parametrize("megabytes", [20, 100])
def test_a_flate_bomb_is_refused_fast(megabytes):
    bomb = zlib.compress(drawn("Talks in Lima", "3 March 2021", "Peru met.") + b"\0" * (megabytes << 20), 9)
    started = time.perf_counter()
    with pytest.raises(RejectedArticle, match="looks like a PDF bomb"):
        read_pdf_document(hand_made_pdf(bomb), LIMITS)
    assert time.perf_counter() - started < 2


def test_a_stream_every_page_draws_counts_on_every_page():
    shared = zlib.compress(drawn("Talks in Lima", "3 March 2021", "Peru met.") + b"\0" * (6 << 20), 9)
    started = time.perf_counter()
    with pytest.raises(RejectedArticle, match="looks like a PDF bomb"):
        read_pdf_document(hand_made_pdf(shared, pages=10), LIMITS)
    assert time.perf_counter() - started < 3


def test_a_form_object_drawn_again_and_again_counts_each_time():
    form = zlib.compress(drawn("Peru met.") + b"\0" * (7 << 20), 9)
    page = zlib.compress(drawn("Talks in Lima", "3 March 2021") + b"/X1 Do\n" * 100)
    started = time.perf_counter()
    with pytest.raises(RejectedArticle, match="looks like a PDF bomb"):
        read_pdf_document(hand_made_pdf(page, forms=[form]), LIMITS)
    assert time.perf_counter() - started < 3


def test_a_form_object_is_read_as_part_of_its_page():
    form = zlib.compress(drawn("Peru and Chile met in Lima."))
    page = zlib.compress(drawn("Talks in Lima", "3 March 2021") + b"/X1 Do\n")
    assert read_pdf_document(hand_made_pdf(page, forms=[form]), LIMITS).paragraphs == (
        "Peru and Chile met in Lima.",
    )


@pytest.mark.parametrize(
    "objects",
    [
        # A page tree whose pages are its own ancestors.
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
            b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>",
        ],
        # A page nested 100,000 arrays deep.
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Annots "
            + b"[" * 100_000
            + b"]" * 100_000
            + b" >>",
            b"<< /Length 5 >>\nstream\nBT ET\nendstream",
        ],
        # A page tree 5,000 levels deep.
        [b"<< /Type /Catalog /Pages 2 0 R >>"]
        + [f"<< /Type /Pages /Kids [{n + 3} 0 R] /Count 1 >>".encode() for n in range(5000)]
        + [b"<< /Type /Page /Parent 2 0 R >>"],
    ],
    ids=["cyclic page tree", "deep arrays", "deep page tree"],
)
def test_a_recursive_or_deep_object_graph_fails_alone_and_fast(objects):
    started = time.perf_counter()
    with pytest.raises(RejectedArticle, match="could not read this PDF"):
        read_pdf_document(pdf_of(objects), LIMITS)
    assert time.perf_counter() - started < 2


def test_too_many_pages_are_refused_before_they_are_read():
    started = time.perf_counter()
    with pytest.raises(RejectedArticle, match=f"has 5,000 pages; a release has at most {MAX_PAGES}"):
        read_pdf_document(hand_made_pdf(drawn("Page"), stream_filter="", pages=5000), LIMITS)
    assert time.perf_counter() - started < 2


def test_a_pdf_past_the_release_limit_stops_being_read():
    long = pdf_document(*[["Kenya and Peru met in Lima to talk about water. " * 40] * 3] * 8)
    with pytest.raises(RejectedArticle, match="a release has at most 10,000"):
        read_pdf_document(long, ImportLimits(max_article_bytes=10_000))


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "could not read this PDF"),
        (b"%PDF-1.4\n garbage", "could not read this PDF"),
        (b"Talks in Lima\n3 March 2021\n\nPeru met.\n", "could not read this PDF"),
        (LETTERHEAD_RELEASE[: len(LETTERHEAD_RELEASE) // 2], "could not read this PDF|hold no text"),
        (hand_made_pdf(b"not a flate stream"), "hold no text Pressroom can read|could not read this PDF"),
        (hand_made_pdf(drawn("3 March 2021", "Peru met."), stream_filter=""), "opens with a date"),
        (pdf_document([]), "hold no text Pressroom can read: they are blank"),
        (pdf_document(["Talks in Lima", "3 March 2021"]), "no text after its title and date"),
    ],
)
def test_a_pdf_that_is_not_a_release_says_why(content, reason):
    with pytest.raises(RejectedArticle, match=reason):
        read_pdf_document(content, LIMITS)


def test_a_broken_cross_reference_table_is_rebuilt():
    content = hand_made_pdf(drawn("Talks in Lima", "3 March 2021", "Peru met."), stream_filter="")
    broken = content.replace(b"startxref\n", b"startxref\n9").replace(
        b"0000000009 00000 n", b"0000000999 00000 n"
    )
    assert read_pdf_document(broken, LIMITS).title == "Talks in Lima"


@pytest.mark.skipif(not DEJAVU.exists(), reason="Debian's fonts-dejavu-core is not installed")
def test_text_in_any_script_is_read():
    content = pdf_document(
        ["Переговоры в Лиме", "3 March 2021", "Perú y Chile se reunieron en Lima. وزارة الخارجية."],
        font=DEJAVU,
    )
    parsed = read_pdf_document(content, LIMITS)
    assert parsed.title == "Переговоры в Лиме"
    assert parsed.paragraphs[0].startswith("Perú y Chile se reunieron en Lima.")


@given(st.data())
def test_any_damage_to_a_pdf_gives_a_release_or_a_reason_quickly(data):
    # Printed PDFs compress their pages; a hand-made one leaves them plain, for damage to reach its operators.
    plain = hand_made_pdf(drawn("Talks in Lima", "3 March 2021", "Peru met."), stream_filter="")
    content = bytearray(data.draw(st.sampled_from([LETTERHEAD_RELEASE, THREE_PAGES, plain])))
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(content) - 1))
        content[at : at + data.draw(st.integers(0, 64))] = data.draw(st.binary(max_size=64))
    content = bytes(content[: data.draw(st.integers(0, len(content)))])
    assert_a_release_or_a_reason_quickly(content)


@given(st.binary(max_size=2000))
def test_any_bytes_give_a_release_or_a_reason_quickly(content):
    assert_a_release_or_a_reason_quickly(b"%PDF-1.7\n" + content)


def flowing_pdf(paragraphs, align="L", gap=4) -> bytes:
    """A release as a word processor lays it out: paragraphs flow from page to page, a footer on each."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=22)
    pdf.footer = lambda: (
        pdf.set_y(-15),
        pdf.set_font("Helvetica", size=9),
        pdf.cell(0, 5, f"{pdf.page_no()}"),
    )
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for paragraph in ["Talks in Lima", "3 March 2021", *paragraphs]:
        pdf.multi_cell(0, 5, paragraph, align=align)
        pdf.ln(gap)
    return bytes(pdf.output())


WORDS = (
    "the minister met his counterpart and agreed on trade water ports Kenya Peru survey basin summit".split()
)


@given(
    st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=150), min_size=1, max_size=12),
    st.sampled_from("LJ"),
    st.sampled_from([3, 4, 6]),
)
def test_what_a_pdf_prints_is_read_back_paragraph_for_paragraph(paragraphs, align, gap):
    written = [" ".join(words) + "." for words in paragraphs]
    parsed = read_pdf_document(flowing_pdf(written, align, gap), LIMITS)
    assert (parsed.title, parsed.published, list(parsed.paragraphs)) == (
        "Talks in Lima",
        datetime.date(2021, 3, 3),
        written,
    )


def assert_a_release_or_a_reason_quickly(content: bytes):
    started = time.perf_counter()
    try:
        parsed = read_pdf_document(content, LIMITS)
    except RejectedArticle as error:
        assert str(error)
    else:
        assert parsed.title.strip() and parsed.paragraphs and all(parsed.paragraphs)
    assert time.perf_counter() - started < 2


def test_pdfs_in_an_archive_are_read_and_a_bad_one_fails_alone():
    archive = zipped(
        {
            "releases/lima.pdf": THREE_PAGES,
            "releases/scan.pdf": scanned_page(),
            "releases/notes.txt": b"Talks in Quito\n4 March 2021\n\nEcuador met.\n",
        }
    )
    read = {article.location: article for article in read_articles("week.zip", archive, LIMITS)}
    assert read["member releases/lima.pdf"].parsed.title == "Talks in Lima on the shared river"
    assert "OCR is a later step" in read["member releases/scan.pdf"].error
    assert read["member releases/notes.txt"].parsed.title == "Talks in Quito"


def test_a_press_officer_uploads_a_pdf_and_it_is_a_release(editor, archive, client):  # noqa: F811
    response = post(editor, archive, UPLOAD, "statement.pdf", LETTERHEAD_RELEASE)
    assert response.status_code == 200
    article = Article.objects.get()
    assert (article.title, article.published) == (
        "Pakistan and Kenya agree to deepen trade ties",
        datetime.date(2019, 9, 27),
    )
    assert sorted(article.countries.values_list("code", flat=True)) == ["KE", "PK"]
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Both sides agreed to meet again in Nairobi" in html.unescape(page)
    assert count(client, q="Nairobi") == 1


def test_a_batch_of_pdfs_has_an_outcome_for_each(editor, archive):  # noqa: F811
    from django.core.files.uploadedfile import SimpleUploadedFile

    files = [
        ("lima.pdf", THREE_PAGES),
        ("scan.pdf", scanned_page()),
        ("week.zip", zipped({"a.pdf": b"%PDF"})),
    ]
    with archive.committed():
        editor.post(IMPORT, {"files": [SimpleUploadedFile(name, data) for name, data in files]}, follow=True)
    outcomes = {
        (item.source_file.name, item.location): (item.outcome, item.reason)
        for item in ImportBatch.objects.get().items.all()
    }
    assert outcomes[("lima.pdf", "")][0] == "created"
    assert outcomes[("scan.pdf", "")][0] == "failed" and "no text layer" in outcomes[("scan.pdf", "")][1]
    assert outcomes[("week.zip", "member a.pdf")][0] == "failed"


def test_import_articles_reads_a_folder_of_pdfs(archive, client, tmp_path):
    (tmp_path / "lima.pdf").write_bytes(THREE_PAGES)
    (tmp_path / "statement.pdf").write_bytes(LETTERHEAD_RELEASE)
    with archive.committed():
        assert "2 created, 0 updated, 0 unchanged, 0 failed." in run("import_articles", str(tmp_path))
    assert count(client, q="Santiago") == 1 and count(client, q="Nairobi") == 1
    assert count(client, q="ministry") == 2  # Lima's, broken across its pages as "minis-" "try"
