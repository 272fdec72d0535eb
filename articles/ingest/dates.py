"""Publication dates as press releases write them."""

import datetime
import functools
import re

# Each format is tried against the whole line, so a stray number is never read as a date.
DATE_FORMATS = (
    "%d %b, %Y",  # 27 Sep, 2019
    "%d %B, %Y",  # 27 September, 2019
    "%d %b %Y",  # 27 Sep 2019
    "%d %B %Y",  # 27 September 2019
    "%B %d, %Y",  # September 27, 2019
    "%b %d, %Y",  # Sep 27, 2019
    "%B %d %Y",  # September 27 2019
    "%b %d %Y",  # Sep 27 2019
    "%Y-%m-%d",  # 2019-09-27
    "%d/%m/%Y",  # 27/09/2019, the day first as outside the United States
)
_WEEKDAY = re.compile(r"^(mon|tues?|wed(nes)?|thu(rs)?|fri|sat(ur)?|sun)(day)?\.?,?\s+", re.IGNORECASE)
_ORDINAL = re.compile(r"(?<=\d)(st|nd|rd|th)\b", re.IGNORECASE)
# "Sept" is how many newsrooms shorten September; strptime knows only "Sep".
_SEPT = re.compile(r"\bSept\b\.?", re.IGNORECASE)


# Longer than any line DATE_FORMATS read ("27 September, 2019" is 18 characters), with room to spare.
_LONGEST_DATE = 40
# Every format has a year of four digits (%Y), which a line without four digits in a row lacks.
_YEAR = re.compile(r"\d{4}")


def parse_article_date(line: str) -> datetime.date | None:
    """The date a line states, or None when it is not a date line."""
    # A batch's releases share their dates, and strptime trying format after format is slow; a long
    # line, never a date, must not be kept alive by the cache.
    return _cached_date(line) if len(line) <= _LONGEST_CACHED_LINE else _date(line)


_LONGEST_CACHED_LINE = 80


@functools.lru_cache(maxsize=4096)
def _cached_date(line: str) -> datetime.date | None:
    return _date(line)


def _date(line: str) -> datetime.date | None:
    text = " ".join(line.replace("\u00a0", " ").split())
    text = _WEEKDAY.sub("", text)
    text = _ORDINAL.sub("", text)
    text = _SEPT.sub("Sep", text)
    text = re.sub(r"(?<=[A-Za-z])\.(?=\s)", "", text)  # "Sep. 27" -> "Sep 27"
    if len(text) > _LONGEST_DATE or not _YEAR.search(text):
        return None  # a title, a sentence: not worth ten failed strptime calls (each line is asked)
    for date_format in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, date_format).date()
        except ValueError:
            continue
    return None
