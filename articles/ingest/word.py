"""Word documents (.docx) -> a release: its title, its date line, its paragraphs.

Pure: bytes in, a ParsedArticle out, nothing written anywhere. Only the document's body is
read, so the letterhead and page numbers in its headers and footers never reach the text.
Its paragraphs are read from the XML itself rather than python-docx's `paragraph.text`, which
passes over tracked insertions, content controls, fields and tables: a reviewed draft keeps
every word it shows. Nothing in the file is run (a .docx holds no macros; a .docm is not
taken) or fetched: python-docx's XML parser resolves no entities and follows no linked image.
"""

import datetime
import io
import zipfile

from .cleaning import clean_text
from .dates import parse_article_date
from .documents import body_paragraphs, date_line, text_lines
from .errors import RejectedArticle
from .parsing import TITLE_MAX_LENGTH, ParsedArticle, has_a_word

# A .docx is a ZIP of XML parts, each parsed whole: their declared sizes are checked before
# anything is unpacked (the ZIP reader never unpacks more than a part declares). Parsing costs
# about 0.65 s and 16 MB per MB of XML, and a release's document.xml is a few times its text.
MAX_PARTS = 2000
MAX_PART_BYTES_PER_ARTICLE_BYTE = 5
RATIO_FLOOR_BYTES = 1024 * 1024
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# Word writes a text box twice, as drawing and as its older fallback: the fallback is not read.
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_TEXT, _SPACES = f"{_W}t", (f"{_W}tab", f"{_W}br", f"{_W}cr")


def read_word_document(data: bytes, limits) -> ParsedArticle:
    """The release a .docx holds, or RejectedArticle saying why it cannot be read."""
    import docx  # here, not above: most processes never read a Word document

    has_properties = _check_package(data, limits)
    try:
        document = docx.Document(io.BytesIO(data))
        lines = text_lines(_paragraph_texts(document.element.body))
        heading = _opening_heading(document.element.body)
        properties = document.core_properties if has_properties else None
        stated_title = " ".join(clean_text((properties and properties.title) or "").split())
    except Exception as error:  # whatever its ZIP, XML or package readers meet in a damaged file
        raise RejectedArticle(
            "This is not a Word document Pressroom can read: a part of it is missing or damaged "
            f"({type(error).__name__}). Open it in Word or LibreOffice and save it again as .docx."
        ) from error
    title, lines = _title(heading or stated_title, lines)
    published, lines = _published(lines, lambda: _created(properties))
    return ParsedArticle(
        title=title, published=published, paragraphs=body_paragraphs(lines, limits, "document")
    )


def _check_package(data: bytes, limits) -> bool:
    """Refuse a package too large or too compressed to unpack; True when it has document properties."""
    try:
        parts = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        ValueError,
        EOFError,
        NotImplementedError,
    ) as error:
        raise RejectedArticle(
            "This is not a Word document (.docx): it is not the ZIP package a .docx is. "
            "A .doc from older Word versions, or a document protected by a password, "
            "must be saved again as an unprotected .docx."
        ) from error
    largest = max(limits.max_article_bytes * MAX_PART_BYTES_PER_ARTICLE_BYTE, RATIO_FLOOR_BYTES)
    unpacked = sum(part.file_size for part in parts)
    if len(parts) > MAX_PARTS or unpacked > limits.max_uncompressed_bytes:
        raise RejectedArticle(
            f"The document would unpack to {len(parts):,} parts and {unpacked:,} bytes; "
            f"the limits are {MAX_PARTS:,} and {limits.max_uncompressed_bytes:,}. Nothing was unpacked."
        )
    for part in parts:
        if part.filename.endswith((".xml", ".rels")) and part.file_size > largest:
            raise RejectedArticle(
                f"The document's {part.filename} would unpack to {part.file_size:,} bytes; a release's "
                f"is at most {largest:,}. Nothing was unpacked."
            )
        if (
            part.file_size > RATIO_FLOOR_BYTES
            and part.file_size > part.compress_size * limits.max_compression_ratio
        ):
            raise RejectedArticle(
                f"The document looks like a ZIP bomb: its {part.filename} would grow "
                f"{part.file_size // max(part.compress_size, 1):,} times when unpacked "
                f"(the limit is {limits.max_compression_ratio}). Nothing was unpacked."
            )
    return any(part.filename == "docProps/core.xml" for part in parts)


def _paragraph_texts(body):
    """Each paragraph's text in document order, tables' and content controls' included."""
    for paragraph in body.iter(f"{_W}p"):
        if not _in_fallback(paragraph):
            yield _text_of(paragraph)


def _text_of(paragraph) -> str:
    """What the paragraph shows: deleted text (`w:delText`) is not `w:t`, so tracked deletions
    stay out and insertions are read; a text box's paragraphs inside it are their own."""
    return "".join(
        (element.text or "") if element.tag == _TEXT else " "
        for element in paragraph.iter(_TEXT, *_SPACES)
        if _paragraph_of(element) is paragraph and not _in_fallback(element)
    )


def _paragraph_of(element):
    """The paragraph an element's text belongs to (a text box's paragraphs are their own)."""
    element = element.getparent()
    while element is not None and element.tag != f"{_W}p":
        element = element.getparent()
    return element


def _in_fallback(element) -> bool:
    return any(ancestor.tag == _FALLBACK for ancestor in element.iterancestors())


def _opening_heading(body) -> str:
    """The first paragraph's text when it is styled as the title or a heading: the visible title
    wins over a title property, which a template may have left ("Press release template")."""
    for paragraph in body.iter(f"{_W}p"):
        text = " ".join(clean_text(_text_of(paragraph)).split())
        if not has_a_word(text):
            continue
        style = paragraph.find(f"{_W}pPr/{_W}pStyle")
        name = (style.get(f"{_W}val") or "") if style is not None else ""
        return text if name.lower().startswith(("title", "heading")) else ""
    return ""


def _title(stated: str, lines: list[str]) -> tuple[str, list[str]]:
    """The heading or title property when there is one, else the first line (taken out of the body)."""
    if lines and lines[0] == stated:
        lines = lines[1:]
    elif not has_a_word(stated):
        if not lines:
            raise RejectedArticle("The document is empty, or its text is only in text boxes or headers.")
        stated, lines = lines[0], lines[1:]
    if parse_article_date(stated) is not None:
        raise RejectedArticle(
            f"The document opens with a date ({stated!r}); its first line must be the title."
        )
    if len(stated) > TITLE_MAX_LENGTH:
        raise RejectedArticle(
            f"The document's title is {len(stated):,} characters long; "
            f"a title has at most {TITLE_MAX_LENGTH}. Does the document open with its title?"
        )
    return stated, lines


def _published(lines: list[str], created) -> tuple[datetime.date, list[str]]:
    """The date line under the title (taken out of the body), else the document's creation date."""
    found = date_line(lines)
    if found is not None:
        return found
    stated = created()
    if stated is not None:
        return stated, lines
    raise RejectedArticle(
        "The document states no publication date: put it on the line under the title (such as 27 Sep, 2019)."
    )


def _created(properties) -> datetime.date | None:
    """The date the document says it was created, when it says so readably."""
    try:
        created = properties.created if properties is not None else None
        return created.date() if created is not None else None
    except (TypeError, ValueError, OverflowError):  # an empty or impossible date in docProps/core.xml
        return None
