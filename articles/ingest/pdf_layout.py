"""The lines of a PDF's pages -> a release: its title, its date, its paragraphs.

Pure: lines with where each stands on its page and how large it is set, in; a ParsedArticle
out. The running headers and footers that repeat from page to page and the page numbers are
left out; the lines are joined into paragraphs where the spacing between them widens, a word
a hyphen broke at a line's end is whole again, and a paragraph a page break cut goes on.
"""

import collections
import datetime
import re
from dataclasses import dataclass

from .dates import parse_article_date
from .documents import body_paragraphs, date_line
from .errors import RejectedArticle
from .parsing import TITLE_MAX_LENGTH, ParsedArticle

# A running header or footer stands among a page's first or last lines and repeats, its
# numbers aside, at the same height on at least half the pages.
BAND_LINES = 3
RUNNING_LINE_TOLERANCE = 6  # points: a template sets its header at the same height on every page
_PAGE_NUMBER = re.compile(
    r"(?i)^(?:page|p\.|pg\.?|seite|p[aá]gina)?\s*[-–—(\[]?\s*\d{1,4}\s*"
    r"(?:(?:/|of|von|de|sur)\s*\d{1,4})?\s*[-–—)\]]?$"
)
# The title is the first page's largest lines near its top, when set this much larger than the text.
HEADING_SEARCH_LINES = 8
HEADING_SCALE = 1.15
MAX_HEADING_LINES = 3
# What a letterhead sets large over the title, and never is one.
_LABEL = re.compile(
    r"(?i)^(?:(?:joint\s+)?(?:press|news|media)\s+(?:release|statement|note|advisory)|press\s+info(?:rmation)?"
    r"|statement|for\s+immediate\s+release|embargoed.*)$"
)
# A paragraph ends where the step to the next line is this much more than the lines' own.
PARAGRAPH_STEP = 1.25
_BROKEN_WORD = re.compile(r"[^\W\d_]-$")
# Sentence ends: a paragraph whose last line on a page ends otherwise continues on the next.
_SENTENCE_END = ".!?:;\"'”’)»"


@dataclass(frozen=True)
class Line:
    """A line of text as a page sets it."""

    text: str
    y: float  # the baseline's height on the page, from the bottom
    size: float  # the font size it is set in, in points
    page: int


def article_from_pages(pages: list[list[Line]], *, stated_title: str, created, limits) -> ParsedArticle:
    """The release the pages' lines hold; the title property when it is one, the creation date
    when no date line is found."""
    lines = _without_running_lines(pages)
    if not lines:
        raise RejectedArticle("The PDF's only text is its page headers, footers and numbers.")
    title, above, lines = _title(stated_title, lines)
    published, lines = _published(above, lines, created)
    return ParsedArticle(
        title=title, published=published, paragraphs=body_paragraphs(_paragraphs(lines), limits, "PDF")
    )


def _without_running_lines(pages: list[list[Line]]) -> list[Line]:
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


def _band(lines: list[Line]) -> set[Line]:
    """The page's topmost and bottommost lines, where running headers and footers stand."""
    by_height = sorted(lines, key=lambda line: line.y)
    return set(by_height[:BAND_LINES] + by_height[-BAND_LINES:])


def _running_key(line: Line) -> tuple[str, int]:
    """What a running header or footer keeps from page to page: its words and where it stands."""
    return re.sub(r"\d+", "#", line.text.casefold()), round(line.y / RUNNING_LINE_TOLERANCE)


def _title(stated: str, lines: list[Line]) -> tuple[str, list[Line], list[Line]]:
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


def _heading(lines: list[Line]) -> tuple[list[Line], str, list[Line]]:
    """The lines above the first page's heading, the heading (its lines set larger than the text,
    joined), and the lines after it; no heading when nothing near the top stands out."""
    top = [line for line in lines[:HEADING_SEARCH_LINES] if line.page == lines[0].page]
    top = [line for line in top if not _LABEL.match(line.text)] or top
    largest = max(line.size for line in top)
    if largest < HEADING_SCALE * _text_size(lines):
        return [], "", lines
    start = next(index for index, line in enumerate(lines) if line in top and line.size == largest)
    end = start
    while (
        end < len(lines)
        and end - start < MAX_HEADING_LINES
        and lines[end] in top
        and lines[end].size == largest
    ):
        end += 1
    return lines[:start], _joined([line.text for line in lines[start:end]]), lines[end:]


def _text_size(lines: list[Line]) -> float:
    """The size most of the text is set in."""
    sizes = collections.Counter()
    for line in lines:
        sizes[line.size] += len(line.text)
    return sizes.most_common(1)[0][0]


def _same_words(text: str, other: str) -> bool:
    return text.casefold().split() == other.casefold().split()


def _published(above: list[Line], lines: list[Line], created) -> tuple[datetime.date, list[Line]]:
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


def _paragraphs(lines: list[Line]) -> list[str]:
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


def _line_pitch(lines: list[Line]) -> float:
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


def _ends_paragraph(previous: Line, line: Line, pitch: float) -> bool:
    # A change of size ends one on a page break too: what a page ends with in small print (a
    # first page's own footer, a footnote) is not what the next page's text goes on from.
    resized = abs(line.size - previous.size) > 1
    if line.page != previous.page:
        return previous.text.endswith(tuple(_SENTENCE_END)) or resized
    step = previous.y - line.y
    return step > PARAGRAPH_STEP * pitch or step < -pitch / 2 or resized


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
