"""Word documents (.docx) -> a release: its title, its date line, its paragraphs.

Pure: bytes in, a ParsedArticle out, nothing written anywhere. python-docx reads the
document's body only, so the letterhead and page numbers in its headers and footers never
reach the text. Nothing in the file is run (a .docx holds no macros; a .docm is not taken)
or fetched: python-docx's XML parser resolves no entities and follows no linked image.
"""

import datetime
import io
import re
import zipfile

from .cleaning import clean_text
from .dates import parse_article_date
from .errors import RejectedArticle
from .parsing import TITLE_MAX_LENGTH, ParsedArticle, has_a_word

# A .docx is a ZIP of XML parts: a release has a few dozen. Its parts are unpacked whole by
# python-docx, so their declared sizes are checked first (the ZIP reader never unpacks more).
MAX_PARTS = 2000
RATIO_FLOOR_BYTES = 1024 * 1024
# The date line stands under the title, perhaps after "For immediate release" or a reference.
DATE_SEARCH_LINES = 5
# "ENDS", "-ends-", "###", "-30-": a press office's end of the release, not its text.
_END_MARK = re.compile(r"(?i)^(?:-*\s*ends\s*-*|#{3,}|-\s*30\s*-)$")


def read_word_document(data: bytes, limits) -> ParsedArticle:
    """The release a .docx holds, or RejectedArticle saying why it cannot be read."""
    import docx  # here, not above: most processes never read a Word document

    _check_package(data, limits)
    try:
        document = docx.Document(io.BytesIO(data))
        lines = [" ".join(clean_text(paragraph.text).split()) for paragraph in document.paragraphs]
        properties = document.core_properties
        stated_title = " ".join(clean_text(properties.title or "").split())
        stated_date = properties.created
    except Exception as error:  # whatever its ZIP, XML or package readers meet in a damaged file
        raise RejectedArticle(
            f"This is not a Word document Pressroom can read ({type(error).__name__}); "
            "save it again as .docx from Word or LibreOffice."
        ) from error
    lines = [line for line in lines if line and not _END_MARK.match(line)]
    title, lines = _title(stated_title, lines)
    published, lines = _published(lines, stated_date)
    if not lines:
        raise RejectedArticle("The document has no text after its title and date.")
    body_bytes = sum(len(line.encode()) for line in lines)
    if body_bytes > limits.max_article_bytes:
        raise RejectedArticle(
            f"The document's text is {body_bytes:,} bytes; "
            f"a release has at most {limits.max_article_bytes:,}."
        )
    return ParsedArticle(title=title, published=published, paragraphs=tuple(lines))


def _check_package(data: bytes, limits) -> None:
    try:
        parts = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise RejectedArticle(
            "This is not a Word document (.docx): it is not the ZIP package a .docx is. "
            "A .doc from older Word versions must be saved again as .docx."
        ) from error
    unpacked = sum(part.file_size for part in parts)
    packed = sum(part.compress_size for part in parts)
    if len(parts) > MAX_PARTS or unpacked > limits.max_uncompressed_bytes:
        raise RejectedArticle(
            f"The document would unpack to {len(parts):,} parts and {unpacked:,} bytes; "
            f"the limits are {MAX_PARTS:,} and {limits.max_uncompressed_bytes:,}. Nothing was unpacked."
        )
    if unpacked > RATIO_FLOOR_BYTES and unpacked > packed * limits.max_compression_ratio:
        raise RejectedArticle(
            f"The document looks like a ZIP bomb: it would grow {unpacked // max(packed, 1):,} times "
            f"when unpacked (the limit is {limits.max_compression_ratio}). Nothing was unpacked."
        )


def _title(stated: str, lines: list[str]) -> tuple[str, list[str]]:
    """The title property when the author set one, else the first line (taken out of the body)."""
    if lines and lines[0] == stated:
        lines = lines[1:]
    elif not has_a_word(stated):
        if not lines:
            raise RejectedArticle("The document is empty.")
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
    if not has_a_word(stated):
        raise RejectedArticle(f"The document's title {stated[:60]!r} has no letter or digit.")
    return stated, lines


def _published(lines: list[str], stated: datetime.datetime | None) -> tuple[datetime.date, list[str]]:
    """The date line under the title (taken out of the body), else the document's creation date."""
    for number, line in enumerate(lines[:DATE_SEARCH_LINES]):
        published = parse_article_date(line)
        if published is not None:
            return published, lines[:number] + lines[number + 1 :]
    if stated is not None:
        return stated.date(), lines
    raise RejectedArticle(
        "The document states no publication date: put it on the line under the title (such as 27 Sep, 2019)."
    )
