"""PDF releases (.pdf) -> a release: its title, its date line, its paragraphs.

Pure: bytes in, a ParsedArticle out, nothing written anywhere. pypdf reads each page's text
with where each line stands and how large it is set; the running headers and footers that
repeat from page to page, the page numbers, and the hyphens that broke words at line ends are
taken out, and the lines are joined into paragraphs where the spacing between them widens.
Nothing in the file is run or fetched: pypdf runs no JavaScript and follows no action, link or
external reference; only the text of the pages is read. A PDF of scanned pages has no text to
read and is refused with that reason (reading scans, OCR, is a later step).
"""

import collections
import datetime
import io
import logging
import re
import time
from dataclasses import dataclass

from .cleaning import clean_text
from .dates import parse_article_date
from .documents import body_paragraphs, date_line, text_lines
from .errors import RejectedArticle
from .parsing import TITLE_MAX_LENGTH, ParsedArticle, has_a_word

# A release is a few pages; a report or a book is not one, and every page costs its reading.
MAX_PAGES = 200
# pypdf inflates each stream up to 75 MB, and parsing a content stream costs about 35 ms per
# MB (measured on a flate bomb of zeros: 70 MB, 2.4 s). A release's page draws in tens of
# kilobytes, so each stream may inflate to 8 MB and a document's pages to 24 MB in all.
MAX_STREAM_BYTES = 8 * 1024 * 1024
MAX_CONTENT_BYTES = 24 * 1024 * 1024
# What pypdf itself bounds, narrowed to what a release needs: page-tree entries (a lying
# /Count), form objects drawn per page, and operators parsed per content stream.
_PYPDF_LIMITS = {
    "zlib_maximum_output_length": MAX_STREAM_BYTES,
    "lzw_maximum_output_length": MAX_STREAM_BYTES,
    "run_length_maximum_output_length": MAX_STREAM_BYTES,
    "brotli_maximum_output_length": MAX_STREAM_BYTES,
    "array_based_stream_maximum_output_length": MAX_STREAM_BYTES,
    "stream_decoding_work_maximum_length": 4 * MAX_STREAM_BYTES,
    "page_tree_maximum_entries": 4 * MAX_PAGES,
    "xform_maximum_invocations_per_extraction": 100,
    "stream_parsing_work_maximum_count": 500_000,
}
# A last bound, on time, for what no byte count sees: a page drawing a large form object many
# times parses it each time. Reading a release takes far less (200 dense pages: 0.9 s).
MAX_READING_SECONDS = 10
# Reading stops once the text is this many times a release's limit: the refusal is certain,
# and a huge document should not cost its whole extraction.
TEXT_OVERRUN = 2
# A running header or footer stands among a page's first or last lines and repeats, its
# numbers aside, at the same height on at least half the pages.
BAND_LINES = 3
RUNNING_LINE_TOLERANCE = 6  # points: a template sets its header at the same height on every page
_PAGE_NUMBER = re.compile(
    r"(?i)^(?:page|p\.|pg\.?|seite|p[aá]gina)?\s*[-–—(\[]?\s*\d{1,4}\s*"
    r"(?:(?:/|of|von|de|sur)\s*\d{1,4})?\s*[-–—)\]]?$"
)
# Titles that writing tools put in the document's properties in place of one.
_NOT_A_TITLE = re.compile(
    r"(?i)^(?:microsoft (?:word|powerpoint|excel)\s*-|untitled\b|document\d*$|\S+\.(?:docx?|odt|rtf|pdf|txt"
    r"|indd|pages|html?)$)"
)
# The title is the first page's largest lines near its top, when set this much larger than the text.
HEADING_SEARCH_LINES = 8
HEADING_SCALE = 1.15
MAX_HEADING_LINES = 3
# A paragraph ends where the step to the next line is this much more than the lines' own.
PARAGRAPH_STEP = 1.25
_BROKEN_WORD = re.compile(r"[^\W\d_]-$")
# Sentence ends: a paragraph whose last line on a page ends otherwise continues on the next.
_SENTENCE_END = ".!?:;\"'”’)»"

# pypdf logs every damage it works around; the batch records the reason when one matters.
logging.getLogger("pypdf").setLevel(logging.ERROR)


@dataclass(frozen=True)
class _Line:
    text: str
    y: float  # the baseline's height on the page, from the bottom
    size: float  # the font size it is set in, in points
    page: int


def read_pdf_document(data: bytes, limits):
    """The release a PDF holds, or RejectedArticle saying why it cannot be read."""

    pages, info = _read_pages(data, limits)
    lines = _without_running_lines(pages)
    if not lines:
        raise RejectedArticle(
            "The PDF has no text layer: it looks like scanned pages. Pressroom does not read scanned "
            "pages yet (OCR is a later step); upload the release's text, or a PDF saved with its text."
        )
    title, above, lines = _title(info.title, lines)
    published, lines = _published(above, lines, info.created)
    return ParsedArticle(
        title=title, published=published, paragraphs=body_paragraphs(_paragraphs(lines), limits, "PDF")
    )


@dataclass(frozen=True)
class _Info:
    title: str
    created: datetime.date | None


def _read_pages(data: bytes, limits) -> tuple[list[list[_Line]], _Info]:
    """Each page's lines of text, and what the document's properties say."""
    # Imported here, not above: most processes never read a PDF.
    import pypdf

    try:
        with pypdf.apply_configuration(**_PYPDF_LIMITS):
            reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
            _open_protected(reader)
            _check_page_count(reader)
            return _page_lines(reader, limits), _Info(_stated_title(reader), _created(reader))
    except RejectedArticle:
        raise
    except pypdf.errors.DependencyError as error:
        raise RejectedArticle(
            "The PDF is protected with an encryption Pressroom cannot open (AES). "
            "Save it again without protection."
        ) from error
    except pypdf.errors.LimitReachedError as error:
        raise RejectedArticle(
            f"Pressroom could not read this PDF: it goes past a limit no release's PDF reaches ({error}). "
            "It looks like a PDF bomb; nothing more was read."
        ) from error
    except (MemoryError, KeyboardInterrupt):
        raise
    except Exception as error:  # whatever pypdf meets in a damaged file: xref, streams, objects, fonts
        raise RejectedArticle(
            f"Pressroom could not read this PDF ({type(error).__name__}: {str(error)[:200]}). "
            "It may be damaged; open it and save or print it again as PDF."
        ) from error


def _open_protected(reader) -> None:
    """Open a PDF protected without a password to read it (only printing or copying is restricted)."""
    if reader.is_encrypted and not reader.decrypt(""):
        raise RejectedArticle(
            "The PDF is protected by a password, so its text cannot be read. "
            "Upload it without the password, or the release's text."
        )


def _check_page_count(reader) -> None:
    declared = reader.trailer["/Root"]["/Pages"].get("/Count", 0)
    pages = declared if isinstance(declared, int) and declared > MAX_PAGES else len(reader.pages)
    if pages > MAX_PAGES:
        raise RejectedArticle(f"The PDF has {pages:,} pages; a release has at most {MAX_PAGES}.")
    if pages == 0:
        raise RejectedArticle("The PDF has no pages.")


def _page_lines(reader, limits) -> list[list[_Line]]:
    pages, text_bytes, cost = [], 0, _Cost()
    for number, page in enumerate(reader.pages):
        contents = page.get_contents()
        cost.draw(len(contents.get_data()) if contents is not None else 0, number)
        lines = _lines_of(page, number, cost)
        text_bytes += sum(len(line.text.encode()) for line in lines)
        if text_bytes > TEXT_OVERRUN * limits.max_article_bytes:
            raise RejectedArticle(
                f"The PDF's text passes {text_bytes:,} bytes by page {number + 1}; "
                f"a release has at most {limits.max_article_bytes:,}."
            )
        pages.append(lines)
    return pages


class _Cost:
    """What reading the document has cost so far: the bytes its pages draw, and time."""

    def __init__(self):
        self.drawn, self.deadline = 0, time.monotonic() + MAX_READING_SECONDS

    def draw(self, size: int, page: int) -> None:
        self.drawn += size
        if self.drawn > MAX_CONTENT_BYTES:
            raise RejectedArticle(
                f"The PDF's pages draw more than {MAX_CONTENT_BYTES:,} bytes by page {page + 1}; a "
                "release's draw far less. It looks like a PDF bomb; nothing more was read."
            )

    def check_time(self, page: int) -> None:
        # Raised again at each operator after the deadline: pypdf passes over an error inside a
        # form object, so it is the page's next operator that stops the reading.
        if time.monotonic() > self.deadline:
            raise RejectedArticle(
                f"Reading the PDF took more than {MAX_READING_SECONDS} seconds, by page {page + 1}; "
                "a release's takes far less. It looks like a PDF bomb; nothing more was read."
            )


def _lines_of(page, number: int, cost: _Cost) -> list[_Line]:
    """The page's lines in the order pypdf reads them, each where its first words stand."""
    collector, forms = _LineCollector(number), _forms_of(page)

    def before_operator(operator, operands, cm, tm):
        cost.check_time(number)
        # Each time the page draws a form object, its content is parsed again: it counts each time.
        if operator == b"Do" and operands and operands[0] in forms:
            cost.draw(len(forms[operands[0]].get_object().get_data()), number)

    page.extract_text(visitor_text=collector.visit, visitor_operand_before=before_operator)
    collector.end_line()
    return collector.lines


def _forms_of(page) -> dict:
    """The page's own form objects by name (those forms use in turn are bounded by time alone)."""
    try:
        objects = page["/Resources"]["/XObject"]
    except (KeyError, TypeError):
        return {}
    return {
        name: drawn
        for name, drawn in objects.items()
        if isinstance(drawn.get_object(), dict) and drawn.get_object().get("/Subtype") == "/Form"
    }


class _LineCollector:
    """Gathers the pieces of text pypdf reports into lines, keeping each line's place and size."""

    def __init__(self, page: int):
        self.page, self.lines, self.parts, self.start = page, [], [], None

    def visit(self, text, cm, tm, font, size) -> None:
        for index, piece in enumerate(text.split("\n")):
            if index:
                self.end_line()
            if self.start is None and piece.strip():
                self.start = _position(cm, tm, size)
            self.parts.append(piece)

    def end_line(self) -> None:
        for text in text_lines(["".join(self.parts)] if self.start is not None else []):
            self.lines.append(_Line(text, *self.start, self.page))
        self.parts, self.start = [], None


def _position(cm, tm, size) -> tuple[float, float]:
    """Where text drawn with these matrices stands (its height on the page) and its size there."""
    y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
    scale = ((tm[2] * cm[0] + tm[3] * cm[2]) ** 2 + (tm[2] * cm[1] + tm[3] * cm[3]) ** 2) ** 0.5
    return y, size * scale


def _stated_title(reader) -> str:
    """The title property, when it is one and not what a writing tool left ("Microsoft Word - a.docx")."""
    try:
        stated = (reader.metadata or {}).get("/Title")
    except Exception:  # a damaged information dictionary is no title, not an unreadable PDF
        return ""
    title = " ".join(clean_text(str(stated or "")).split())
    if not has_a_word(title) or _NOT_A_TITLE.match(title) or len(title) > TITLE_MAX_LENGTH:
        return ""
    return title


def _created(reader) -> datetime.date | None:
    try:
        created = reader.metadata.creation_date if reader.metadata is not None else None
    except Exception:  # "D:2019-09-27", "D:00000000": no date, not an unreadable PDF
        return None
    return created.date() if created is not None else None


def _without_running_lines(pages: list[list[_Line]]) -> list[_Line]:
    """The pages' lines in order, without page numbers and the headers and footers they repeat."""
    banded = [_band(lines) for lines in pages]
    seen = collections.Counter(key for band in banded for key in {_running_key(line) for line in band})
    repeated = {key for key, count in seen.items() if count >= 2 and 2 * count >= len(pages)}
    return [
        line
        for lines, band in zip(pages, banded, strict=True)
        for line in lines
        if not (line in band and (_PAGE_NUMBER.match(line.text) or _running_key(line) in repeated))
    ]


def _band(lines: list[_Line]) -> set[_Line]:
    """The page's topmost and bottommost lines, where running headers and footers stand."""
    by_height = sorted(lines, key=lambda line: line.y)
    return set(by_height[:BAND_LINES] + by_height[-BAND_LINES:])


def _running_key(line: _Line) -> tuple[str, int]:
    """What a running header or footer keeps from page to page: its words and where it stands."""
    return re.sub(r"\d+", "#", line.text.casefold()), round(line.y / RUNNING_LINE_TOLERANCE)


def _title(stated: str, lines: list[_Line]) -> tuple[str, list[_Line], list[_Line]]:
    """The title, the letterhead lines above it, and the lines after it.

    The title property when it is a real one, else the lines set largest at the top of the
    first page, else the first line."""
    above, heading, after = _heading(lines)
    if stated:
        if heading and _same_words(heading, stated):
            return stated, above, after
        if _same_words(lines[0].text, stated):
            return stated, [], lines[1:]
        return stated, [], lines
    title, above, after = (heading, above, after) if heading else (lines[0].text, [], lines[1:])
    if parse_article_date(title) is not None:
        raise RejectedArticle(f"The PDF opens with a date ({title!r}); its first line must be the title.")
    if len(title) > TITLE_MAX_LENGTH:
        raise RejectedArticle(
            f"The PDF's title is {len(title):,} characters long; a title has at most {TITLE_MAX_LENGTH}. "
            "Does the PDF open with its title?"
        )
    return title, above, after


def _heading(lines: list[_Line]) -> tuple[list[_Line], str, list[_Line]]:
    """The lines above the first page's heading, the heading (its lines set larger than the text,
    joined), and the lines after it; no heading when nothing near the top stands out."""
    top = [line for line in lines[:HEADING_SEARCH_LINES] if line.page == lines[0].page]
    largest = max(line.size for line in top)
    if largest < HEADING_SCALE * _text_size(lines):
        return [], "", lines
    start = next(index for index, line in enumerate(top) if line.size == largest)
    end = start
    while end < len(top) and end - start < MAX_HEADING_LINES and top[end].size == largest:
        end += 1
    return lines[:start], _joined([line.text for line in lines[start:end]]), lines[end:]


def _text_size(lines: list[_Line]) -> float:
    """The size most of the text is set in."""
    sizes = collections.Counter()
    for line in lines:
        sizes[line.size] += len(line.text)
    return sizes.most_common(1)[0][0]


def _same_words(text: str, other: str) -> bool:
    return text.casefold().split() == other.casefold().split()


def _published(above: list[_Line], lines: list[_Line], created) -> tuple[datetime.date, list[_Line]]:
    """The date line near the title (above it in the letterhead, or under it; taken out of the
    body), else the date the PDF says it was created."""
    if (found := date_line([line.text for line in above])) is not None:
        return found[0], lines
    if (found := date_line([line.text for line in lines])) is not None:
        published, kept = found
        number = next(index for index, text in enumerate(kept + [None]) if text != lines[index].text)
        return published, lines[:number] + lines[number + 1 :]
    if created is not None:
        return created, lines
    raise RejectedArticle(
        "The PDF states no publication date: put it on the line under the title (such as 27 Sep, 2019)."
    )


def _paragraphs(lines: list[_Line]) -> list[str]:
    """The lines joined into paragraphs: a paragraph ends where the spacing widens, where the text
    jumps up (a new column) or changes size, and at a page's end after a finished sentence."""
    pitch = _line_pitch(lines)
    paragraphs, current = [], []
    for previous, line in zip([None, *lines], lines, strict=False):
        if previous is not None and _ends_paragraph(previous, line, pitch):
            paragraphs.append(_joined(current))
            current = []
        current.append(line.text)
    if current:
        paragraphs.append(_joined(current))
    return paragraphs


def _line_pitch(lines: list[_Line]) -> float:
    """How far apart the lines of a paragraph stand: the commonest step from one line to the next,
    at most half as much again as the text's size (where every paragraph is one line long)."""
    steps = collections.Counter(
        round(previous.y - line.y, 1)
        for previous, line in zip(lines, lines[1:], strict=False)
        if previous.page == line.page and previous.y > line.y
    )
    size = _text_size(lines) if lines else 12.0
    common = steps.most_common(1)[0][0] if steps else 1.2 * size
    return min(common, 1.5 * size)


def _ends_paragraph(previous: _Line, line: _Line, pitch: float) -> bool:
    if line.page != previous.page:
        return previous.text.endswith(tuple(_SENTENCE_END))
    step = previous.y - line.y
    return step > PARAGRAPH_STEP * pitch or step < -pitch / 2 or abs(line.size - previous.size) > 1


def _joined(texts: list[str]) -> str:
    """A paragraph's lines as one text: words a hyphen broke at a line's end are whole again
    ("minis-" "try"), a hyphen before a capital stays ("Indo-" "Pacific")."""
    parts = [texts[0]]
    for text in texts[1:]:
        last = parts[-1]
        if last.endswith("\u00ad") or (_BROKEN_WORD.search(last) and text[:1].islower()):
            parts[-1] = last[:-1]
            parts.append(text)
        elif _BROKEN_WORD.search(last):
            parts.append(text)
        else:
            parts.append(" " + text)
    return "".join(parts)
