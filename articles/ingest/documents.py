"""What a release read from a document (a Word file, a web page) must be, whatever its format.

Pure. The readers of each format find a title, a date and lines of text in their own way; the
rules here are the same for all of them: which lines are text, where the date line stands and
when a line meant as a date cannot be read, and how much text a release may have.
"""

import datetime
import re

from .cleaning import clean_text
from .dates import parse_article_date
from .errors import RejectedArticle
from .parsing import has_a_word

# The date line stands under the title, perhaps after "For immediate release" or a reference.
DATE_SEARCH_LINES = 5
# "ENDS", "-ends-", "###", "-30-": a press office's end of the release, not its text.
_END_MARK = re.compile(r"(?i)^(?:-*\s*ends\s*-*|#{3,}|-\s*30\s*-)$")
# A line of only day and month names, numbers and a year: meant as the date, whether or not
# Pressroom reads it ("09/27/2019", "27.09.2019"), so no other date is used in its place.
_DATE_WORDS = (
    "jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july "
    "august september october november december mon tue tues wed thu thur thurs fri sat sun monday "
    "tuesday wednesday thursday friday saturday sunday st nd rd th"
).split()
_MEANT_AS_A_DATE = re.compile(
    r"(?i)^(?=.*\b(?:1[89]|2[01])\d\d\b)(?:[\d\s,./-]|\b(?:" + "|".join(_DATE_WORDS) + r")\b)+$"
)


def text_lines(texts) -> list[str]:
    """Each text as one line of words, leaving out those with no letter or digit and end marks."""
    lines = (" ".join(clean_text(text).split()) for text in texts)
    return [line for line in lines if has_a_word(line) and not _END_MARK.match(line)]


def date_line(lines: list[str]) -> tuple[datetime.date, list[str]] | None:
    """The date a line under the title states, and the lines without it; None when none does.
    A line meant as a date that cannot be read is refused: guessing another date would be worse."""
    for number, line in enumerate(lines[:DATE_SEARCH_LINES]):
        published = parse_article_date(line)
        if published is not None:
            return published, lines[:number] + lines[number + 1 :]
        if _MEANT_AS_A_DATE.match(line):
            raise RejectedArticle(
                f"The line {line[:60]!r} under the title looks like the date, but is not one Pressroom "
                "reads: write it as 27 Sep, 2019, 27 September 2019 or 2019-09-27."
            )
    return None


def body_paragraphs(lines: list[str], limits, what: str) -> tuple[str, ...]:
    """The lines left after the title and date, as the release's paragraphs, within its limit."""
    if not lines:
        raise RejectedArticle(f"The {what} has no text after its title and date.")
    size = sum(len(line.encode()) for line in lines)
    if size > limits.max_article_bytes:
        raise RejectedArticle(
            f"The {what}'s text is {size:,} bytes; a release has at most {limits.max_article_bytes:,}."
        )
    return tuple(lines)
