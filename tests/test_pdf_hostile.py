"""PDFs as hostile senders and unusual writing tools make them: what pypdf meets before any page is
drawn, fonts that hide their letters, text where no reader sees it, layouts that mislead."""

import base64
import datetime
import time
import zlib

import pytest
from fpdf import FPDF

from articles.ingest import pdf
from articles.ingest.errors import RejectedArticle
from articles.ingest.formats import ImportLimits
from articles.ingest.pdf import read_pdf_document

from .test_pdf import drawn, hand_made_pdf

LIMITS = ImportLimits()


def test_the_time_bound_holds_while_a_damaged_file_is_searched_for_its_objects(monkeypatch):
    # Its cross-reference table points nowhere, so pypdf reads the whole file for its objects:
    # 250,000 of them take it seconds before the first page is drawn.
    content = hand_made_pdf(drawn("Talks in Lima", "3 March 2021", "Peru met."), stream_filter="")
    damaged = content.replace(b"startxref\n", b"startxref\n9") + b"".join(
        b"%d 0 obj\n1\nendobj\n" % number for number in range(10, 250_000)
    )
    monkeypatch.setattr(pdf, "MAX_READING_SECONDS", 0.3)
    started = time.perf_counter()
    with pytest.raises(RejectedArticle, match=r"took more than 0.3 seconds; a release's takes far less"):
        read_pdf_document(damaged, LIMITS)
    assert time.perf_counter() - started < 1.5


def test_text_set_in_a_negative_size_is_read_as_its_lines_not_one_title():
    # A negative size draws the letters mirrored; some writing tools pair it with a mirrored matrix.
    content = hand_made_pdf(
        zlib.compress(drawn("Talks in Lima", "3 March 2021", "Peru met.").replace(b"11 Tf", b"-11 Tf"))
    )
    parsed = read_pdf_document(content, LIMITS)
    assert (parsed.title, parsed.published, parsed.paragraphs) == (
        "Talks in Lima",
        datetime.date(2021, 3, 3),
        ("Peru met.",),
    )


def test_a_first_page_footer_of_its_own_is_not_joined_to_the_text_the_next_page_goes_on_with():
    # Word's "different first page": the address under page 1, the page number under the others.
    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime.datetime(2001, 1, 1, tzinfo=datetime.UTC))
    pdf.set_auto_page_break(True, margin=22)
    pdf.footer = lambda: (
        pdf.set_y(-15),
        pdf.set_font("Helvetica", size=9),
        pdf.cell(0, 5, "Jr. Lampa 545, Lima" if pdf.page_no() == 1 else f"Page {pdf.page_no()}"),
    )
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    talks = "Peru and Chile met in Lima to talk about the water of the shared river basin " * 30
    for paragraph in ["Talks in Lima", "3 March 2021", talks, talks, talks]:
        pdf.multi_cell(0, 5, paragraph, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
    parsed = read_pdf_document(bytes(pdf.output()), LIMITS)
    # The footer stands apart (a page of one's own has no other to repeat it), the text around it whole.
    assert "Jr. Lampa 545, Lima" in parsed.paragraphs
    text = [paragraph for paragraph in parsed.paragraphs if "Lampa" not in paragraph]
    assert " ".join(text) == " ".join([talks.strip()] * 3)


def test_a_release_spelled_in_ascii85_is_read():
    content = hand_made_pdf(
        base64.a85encode(drawn("Talks in Lima", "3 March 2021", "Peru met."), adobe=True),
        stream_filter="[/ASCII85Decode]",
    )
    assert read_pdf_document(content, LIMITS).paragraphs == ("Peru met.",)


def test_ascii85_text_a_small_file_inflates_to_is_refused_before_it_is_decoded():
    # 12 kB inflate to 7.5 MB of ASCII85, within the 8 MB a stream may inflate to; decoding
    # that took 280 MB of memory and 3 seconds.
    spelled = base64.a85encode(
        drawn("Talks in Lima", "3 March 2021", "Peru met.") + b"\1" * (6 << 20), adobe=True
    )
    bomb = hand_made_pdf(zlib.compress(spelled, 9), stream_filter="[/FlateDecode /ASCII85Decode]")
    started = time.perf_counter()
    with pytest.raises(
        RejectedArticle, match=r"an ASCII85 stream of 7,864,\d+ bytes; at most 1,048,576.*PDF bomb"
    ):
        read_pdf_document(bomb, LIMITS)
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize("subtype", [b"/TrueType", b"/Type1"])
def test_a_font_that_does_not_say_which_letters_it_draws_is_refused_not_read_as_glyph_names(subtype):
    # No /ToUnicode map, and an encoding of its own glyph names: pypdf reads "/gid84/gid97/gid108".
    names = b" ".join(b"/gid%d" % code for code in range(32, 127))
    font = (
        b"<< /Type /Font /Subtype " + subtype + b" /BaseFont /ABCDEF+Custom /FirstChar 32 /LastChar 126 "
        b"/Encoding << /Type /Encoding /Differences [32 " + names + b"] >> >>"
    )
    content = hand_made_pdf(zlib.compress(drawn("Talks in Lima", "3 March 2021", "Peru met.")), font=font)
    with pytest.raises(
        RejectedArticle, match=r"^Its fonts do not say which letters they draw, so its text cannot"
    ):
        read_pdf_document(content, LIMITS)


def test_a_release_with_a_few_slashes_and_symbols_is_read():
    content = hand_made_pdf(
        zlib.compress(drawn("Talks in Lima", "3 March 2021", "See example.org/news/lima and/or call."))
    )
    assert read_pdf_document(content, LIMITS).paragraphs == ("See example.org/news/lima and/or call.",)


@pytest.mark.parametrize("where", [b"-5000 400", b"72 20000", b"900 400", b"72 -300"])
def test_words_drawn_outside_the_page_are_not_release_text(where):
    hidden = b"BT /F1 11 Tf " + where + b" Td (cheap flights casino loans) Tj ET\n"
    content = hand_made_pdf(
        zlib.compress(
            drawn("Talks in Lima", "3 March 2021", "Peru met.")
            + hidden
            + b"BT /F1 11 Tf 72 700 Td (Chile met.) Tj ET\n"
        )
    )
    parsed = read_pdf_document(content, LIMITS)
    assert (parsed.title, parsed.paragraphs) == ("Talks in Lima", ("Peru met. Chile met.",))
