"""PDF releases (.pdf) -> a release: its title, its date line, its paragraphs.

Pure: bytes in, a ParsedArticle out, nothing written anywhere. pypdf reads each page's lines of
text, with where each stands and how large it is set, within limits that a PDF bomb reaches
and a release does not; pdf_layout makes the release of them (running headers and footers,
page numbers and broken words repaired). Nothing in the file is run or fetched: pypdf runs no
JavaScript and follows no action, link or external reference; only the pages' text is read.
A PDF of scanned pages has no text to read and is refused with that reason (OCR is a later step).
"""

import datetime
import io
import logging
import re
import time
import unicodedata
from dataclasses import dataclass

from .cleaning import clean_text
from .documents import text_lines
from .errors import RejectedArticle
from .parsing import TITLE_MAX_LENGTH, ParsedArticle, has_a_word
from .pdf_layout import Line, article_from_pages

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
# ASCII85 is text that spells bytes, and decoding it costs about 40 bytes of memory per byte of
# it (the standard library's decoder; 7.5 MB, which a 12 kB file inflates to, took 280 MB). A
# release's PDF spells a few kilobytes so, if any: each ASCII85 stream may hold 1 MB of it.
MAX_ASCII85_BYTES = 1024 * 1024
# A last bound, on time, for what no byte count sees: a page drawing a large form object many
# times parses it each time. Reading a release takes far less (200 dense pages: 0.9 s).
MAX_READING_SECONDS = 10
# Reading stops once the text is this many times a release's limit: the refusal is certain,
# and a huge document should not cost its whole extraction.
TEXT_OVERRUN = 2
# Titles that writing tools put in the document's properties in place of one.
_NOT_A_TITLE = re.compile(
    r"(?i)^(?:microsoft (?:word|powerpoint|excel)\s*-|untitled\b|document\d*$|\S+\.(?:docx?|odt|rtf|pdf|txt"
    r"|indd|pages|html?)$)"
)
# A font that does not say which letters it draws (no /ToUnicode map, an encoding of its own) makes
# pypdf read its glyphs' names ("/gid84/gid97"), private-use characters, replacement characters
# or controls; a document whose text is mostly these cannot be read.
_GLYPH_NAMES = re.compile(r"(?:/[A-Za-z][\w.]*)+")
_NO_LETTER = {"Co", "Cn", "Cc", "Cs"}
UNREADABLE_SHARE = 0.5
# Text that starts this far outside the page's box (points) is drawn where no reader sees it.
OFF_PAGE_TOLERANCE = 2
# pypdf logs every damage it works around, some as errors (a damaged font's encoding, with its
# whole table of 256 characters); the batch records the reason when one stops the reading.
logging.getLogger("pypdf").setLevel(logging.CRITICAL)


def read_pdf_document(data: bytes, limits) -> ParsedArticle:
    """The release a PDF holds, or RejectedArticle saying why it cannot be read."""
    pages, info = _read_pages(data, limits)
    if info.unreadable:
        raise RejectedArticle(
            "Its fonts do not say which letters they draw, so its text cannot be read (OCR is a later step)."
        )
    if not any(pages) and info.has_pictures:
        raise RejectedArticle(
            "The PDF has no text layer: it looks like scanned pages. Pressroom does not read scanned "
            "pages yet (OCR is a later step); upload the release's text, or a PDF saved with its text."
        )
    if not any(pages):
        raise RejectedArticle(
            "The PDF's pages hold no text Pressroom can read: they are blank, their letters are drawn "
            "as shapes, or they are damaged. Upload the release's text, or a PDF saved with its text."
        )
    return article_from_pages(pages, stated_title=info.title, created=info.created, limits=limits)


@dataclass(frozen=True)
class _Info:
    title: str
    created: datetime.date | None
    has_pictures: bool  # a page shows an image: a scan, when the pages have no text
    unreadable: bool  # most of what the fonts draw reads as no letters


def _read_pages(data: bytes, limits) -> tuple[list[list[Line]], _Info]:
    """Each page's lines of text, and what the document's properties say."""
    # Imported here, not above: most processes never read a PDF.
    import pypdf

    cost = _Cost()
    _bound_ascii85(pypdf)
    try:
        with pypdf.apply_configuration(**_PYPDF_LIMITS):
            reader = pypdf.PdfReader(_TimedFile(data, cost), strict=False)
            _open_protected(reader)
            _check_page_count(reader)
            pages, unreadable = _page_lines(reader, limits, cost)
            info = _Info(_stated_title(reader), _created(reader), _has_pictures(reader), unreadable)
        cost.check_time()  # pypdf may have passed over the deadline's error in a damaged part
        return pages, info
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
    except MemoryError:
        raise
    except Exception as error:  # whatever pypdf meets in a damaged file: xref, streams, objects, fonts
        raise RejectedArticle(
            f"Pressroom could not read this PDF ({type(error).__name__}: {clean_text(str(error))[:200]}). "
            "It may be damaged; open it and save or print it again as PDF."
        ) from error


def _bound_ascii85(pypdf) -> None:
    """Make pypdf refuse ASCII85 text longer than a release's, whichever stream it stands in and
    whatever filter inflated it: pypdf bounds what each filter puts out, not what decoding it costs."""
    from pypdf.filters import ASCII85Decode as decoder

    if getattr(decoder.decode, "bounded", False):
        return
    unbounded = decoder.decode

    def decode(data, decode_parms=None, **kwargs):
        if len(data) > MAX_ASCII85_BYTES:
            raise pypdf.errors.LimitReachedError(
                f"an ASCII85 stream of {len(data):,} bytes; at most {MAX_ASCII85_BYTES:,} are read"
            )
        return unbounded(data, decode_parms, **kwargs)

    decode.bounded = True
    decoder.decode = staticmethod(decode)


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


def _page_lines(reader, limits, cost: "_Cost") -> tuple[list[list[Line]], bool]:
    """Each page's lines, and whether most of the text read is no letters (see _GLYPH_NAMES)."""
    pages, text_bytes, read, unreadable = [], 0, 0, 0
    for number, page in enumerate(reader.pages):
        contents = page.get_contents()
        cost.draw(len(contents.get_data()) if contents is not None else 0, number)
        collector = _collected(page, number, cost)
        lines = collector.lines
        read, unreadable = read + collector.read, unreadable + collector.unreadable
        text_bytes += sum(len(line.text.encode()) for line in lines)
        if text_bytes > TEXT_OVERRUN * limits.max_article_bytes:
            raise RejectedArticle(
                f"The PDF's text passes {text_bytes:,} bytes by page {number + 1}; "
                f"a release has at most {limits.max_article_bytes:,}."
            )
        pages.append(lines)
    return pages, read > 0 and unreadable > UNREADABLE_SHARE * read


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

    def check_time(self, page: int | None = None) -> None:
        # Raised again at each operator and each read of the file after the deadline: pypdf passes
        # over an error inside a form object or a damaged object, so the next one stops the reading.
        if time.monotonic() > self.deadline:
            where = f", by page {page + 1}" if page is not None else ""
            raise RejectedArticle(
                f"Reading the PDF took more than {MAX_READING_SECONDS} seconds{where}; "
                "a release's takes far less. It looks like a PDF bomb; nothing more was read."
            )


class _TimedFile(io.BytesIO):
    """The PDF's bytes, read under the time bound: pypdf reads the whole file byte by byte before
    any page is drawn where its cross-reference table is damaged (millions of objects: a minute),
    and reads each string so too (a 90 MB title: 17 seconds)."""

    def __init__(self, data: bytes, cost: _Cost):
        super().__init__(data)
        self.cost = cost

    def read(self, size: int | None = -1) -> bytes:
        self.cost.check_time()
        return super().read(size)


def _collected(page, number: int, cost: _Cost) -> "LineCollector":
    """The page's lines in the order pypdf reads them, each where its first words stand."""
    collector, forms = LineCollector(number, _box(page)), _forms_of(page)

    def before_operator(operator, operands, cm, tm):
        cost.check_time(number)
        # Each time the page draws a form object, its content is parsed again: it counts each time.
        if operator == b"Do" and operands and operands[0] in forms:
            cost.draw(len(forms[operands[0]].get_object().get_data()), number)

    page.extract_text(visitor_text=collector.visit, visitor_operand_before=before_operator)
    collector.end_line()
    return collector


def _box(page) -> tuple[float, float, float, float]:
    """The part of the page a reader sees (its crop box, else its media box): left, bottom, right, top."""
    box = page.cropbox
    left, right = sorted((float(box.left), float(box.right)))
    bottom, top = sorted((float(box.bottom), float(box.top)))
    return left, bottom, right, top


def _forms_of(page) -> dict:
    """The page's own form objects by name (those forms use in turn are bounded by time alone)."""
    return _drawn(page, "/Form")


def _has_pictures(reader) -> bool:
    return any(_drawn(page, "/Image") for page in reader.pages)


def _drawn(page, kind: str) -> dict:
    """The objects of a kind (/Form, /Image) the page's resources hold, by name."""
    try:
        objects = page["/Resources"]["/XObject"]
    except (KeyError, TypeError):
        return {}
    return {
        name: drawn
        for name, drawn in objects.items()
        if isinstance(drawn.get_object(), dict) and drawn.get_object().get("/Subtype") == kind
    }


class LineCollector:
    """Gathers the pieces of text pypdf reports into lines, keeping each line's place and size."""

    def __init__(self, page: int, box: tuple[float, float, float, float]):
        self.page, self.box, self.lines, self.parts, self.start = page, box, [], [], None
        self.read, self.unreadable = 0, 0  # characters other than spaces, and those no letters

    def visit(self, text, cm, tm, font, size) -> None:
        if not self._on_the_page(cm, tm):
            # Text where no reader sees it (words stuffed for search engines at x=-5000) is left
            # out; the lines it ends still end, so the lines around it are not joined.
            text = "\n" * text.count("\n")
        self._count(text)
        for index, piece in enumerate(text.split("\n")):
            if index:
                self.end_line()
            if self.start is None and piece.strip():
                self.start = _position(cm, tm, size)
            self.parts.append(piece)

    def _on_the_page(self, cm, tm) -> bool:
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        left, bottom, right, top = self.box
        return left - OFF_PAGE_TOLERANCE <= x <= right + OFF_PAGE_TOLERANCE and (
            bottom - OFF_PAGE_TOLERANCE <= y <= top + OFF_PAGE_TOLERANCE
        )

    def _count(self, text: str) -> None:
        text = "".join(text.split())
        self.read += len(text)
        self.unreadable += sum(len(name) for name in _GLYPH_NAMES.findall(text))
        self.unreadable += sum(
            unicodedata.category(c) in _NO_LETTER or c == "\ufffd" for c in _GLYPH_NAMES.sub("", text)
        )

    def end_line(self) -> None:
        for text in text_lines(["".join(self.parts)] if self.start is not None else []):
            self.lines.append(Line(text, *self.start, self.page))
        self.parts, self.start = [], None


def _position(cm, tm, size) -> tuple[float, float]:
    """Where text drawn with these matrices stands (its height on the page) and its size there,
    rounded: a size is compared with others, and 11.000001 is 11. A negative size mirrors the
    letters; they are as large as the positive one."""
    y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
    scale = ((tm[2] * cm[0] + tm[3] * cm[2]) ** 2 + (tm[2] * cm[1] + tm[3] * cm[3]) ** 2) ** 0.5
    return y, round(abs(size) * scale, 1)


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
