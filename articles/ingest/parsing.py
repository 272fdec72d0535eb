"""The upload format: a title line, a date line, the body, a source mark, page debris.

Imran, briefs Lavrov about IOK situation

27 Sep, 2019

Foreign Minister of the Russian Federation ... common interest.-PR

Read Comments
"""

import datetime
import re
from dataclasses import dataclass

from .attachments import Attachment
from .cleaning import clean_text
from .dates import parse_article_date
from .errors import RejectedArticle

TITLE_MAX_LENGTH = 500
# Source marks that papers append to the last sentence; anything else keeps its letters.
SOURCE_NAMES = {"PR": "Press release"}
_SOURCE_MARK = re.compile(r"(?:(?<=[.!?\"'”’)])|\s)\s*[-–—]\s*([A-Z]{2,5})\s*$")
# Lines that a copy from a news site leaves under the article.
_PAGE_DEBRIS = re.compile(r"^(read comments|comments|print|share( this)?|advertisement)$", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedArticle:
    title: str
    published: datetime.date
    paragraphs: tuple[str, ...]
    source: str = ""
    # ISO codes the sender chose (CSV and JSON imports); None means: find them in the text.
    countries: tuple[str, ...] | None = None
    # Who the sender says the release is (its id, else its URL): "" when it does not say.
    identifier: str = ""
    source_url: str = ""
    # Files that came with it (photos, annexes, the original PDF), kept and offered for download.
    attachments: tuple[Attachment, ...] = ()
    # What the reader left out of it (an attachment over the limits), for the batch page.
    notes: tuple[str, ...] = ()

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


def parse_article(text: str) -> ParsedArticle:
    """Parse one release in the upload format, or raise RejectedArticle saying which line is wrong."""
    lines = _normalise_lines(text)
    numbered = [(number, line) for number, line in enumerate(lines, start=1) if line.strip()]
    if not numbered:
        raise RejectedArticle("The file is empty.")
    title_number, title = numbered[0]
    _check_title(title_number, title)
    if len(numbered) < 2:
        raise RejectedArticle(
            f"Line {title_number + 1} should be the publication date (such as '27 Sep, 2019'), "
            "but the file ends after the title."
        )
    date_number, date_line = numbered[1]
    published = parse_article_date(date_line)
    if published is None:
        raise RejectedArticle(
            f"Line {date_number} should be the publication date (such as '27 Sep, 2019'), "
            f"but reads {_quote(date_line)}."
        )
    body_lines = _drop_page_debris(lines[date_number:])
    paragraphs, source = _split_source(_paragraphs(body_lines))
    if not paragraphs:
        raise RejectedArticle(f"The release has no body text after the date on line {date_number}.")
    return ParsedArticle(
        title=" ".join(title.split()), published=published, paragraphs=paragraphs, source=source
    )


def _normalise_lines(text: str) -> list[str]:
    text = clean_text(text).replace("\u00a0", " ").replace("\ufeff", "")
    return [line.rstrip() for line in text.split("\n")]


def has_a_word(title: str) -> bool:
    """A title needs a letter or a digit: one of only marks, emoji or invisible characters names nothing."""
    return any(character.isalnum() for character in title)


def _check_title(number: int, title: str) -> None:
    if parse_article_date(title) is not None:
        raise RejectedArticle(f"Line {number} is a date; the first line must be the release's title.")
    if len(title) > TITLE_MAX_LENGTH:
        raise RejectedArticle(
            f"Line {number} is {len(title)} characters long; a title has at most {TITLE_MAX_LENGTH}. "
            "Is the title line missing?"
        )
    if not has_a_word(title):
        raise RejectedArticle(
            f"Line {number} should be the title, but reads {_quote(title)}: it has no letter or digit."
        )


def _drop_page_debris(lines: list[str]) -> list[str]:
    end = len(lines)
    while end and (not lines[end - 1].strip() or _PAGE_DEBRIS.match(lines[end - 1].strip())):
        end -= 1
    return lines[:end]


def _paragraphs(lines: list[str]) -> list[str]:
    """Blank lines separate paragraphs; in a text without any, each line is a paragraph."""
    blocks, current = [], []
    for line in lines:
        if line.strip():
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    if len(blocks) == 1:
        blocks = [[line] for line in blocks[0]]
    return [" ".join(" ".join(block).split()) for block in blocks]


def _split_source(paragraphs: list[str]) -> tuple[tuple[str, ...], str]:
    if not paragraphs:
        return (), ""
    match = _SOURCE_MARK.search(paragraphs[-1])
    if not match:
        return tuple(paragraphs), ""
    mark = match.group(1)
    last = paragraphs[-1][: match.start()].rstrip()
    kept = paragraphs[:-1] + ([last] if last else [])
    return tuple(kept), SOURCE_NAMES.get(mark, mark)


def _quote(line: str, limit: int = 60) -> str:
    shown = line.strip()
    return repr(shown if len(shown) <= limit else shown[:limit] + "…")
