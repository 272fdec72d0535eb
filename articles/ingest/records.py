"""A record of named fields (a CSV row, a JSON object) -> a release: title, date, body and
optional countries and source, each field cleaned and checked against its column."""

import datetime
import re
import unicodedata
from urllib.parse import urlsplit, urlunsplit

from .cleaning import clean_text
from .country_names import resolve_country
from .dates import parse_article_date
from .errors import RejectedArticle
from .parsing import TITLE_MAX_LENGTH, ParsedArticle, has_a_word

SOURCE_MAX_LENGTH = 100  # Article.source's column
IDENTIFIER_MAX_LENGTH = 1000  # Article.identifier's and Article.source_url's columns


def record_article(record) -> ParsedArticle:
    """The release a CSV row or JSON object holds, or RejectedArticle saying what is wrong with it."""
    if not isinstance(record, dict):
        raise RejectedArticle("Not an object with title, date and body.")
    fields = {clean_text(str(key)).strip().lower(): value for key, value in record.items()}
    # Read and checked in this order: a record with several faults is told of the first.
    title = " ".join(_text_field(fields, "title").split())
    body = _text_field(fields, "body").strip()
    _check_title(title)
    published = _record_published(_text_field(fields, "date").strip())
    if not body:
        raise RejectedArticle("The body is empty.")
    countries = _record_countries(fields.get("countries"))
    source = _within_limit("source", " ".join(_text_field(fields, "source").split()), SOURCE_MAX_LENGTH)
    source_url = normalised_url(_text_field(fields, "url").strip())
    identifier = _within_limit("id", normalised_identifier(_text_field(fields, "id")), IDENTIFIER_MAX_LENGTH)
    return ParsedArticle(
        title,
        published,
        _paragraphs(body),
        source,
        countries,
        identifier=identifier or source_url,
        source_url=source_url,
    )


def _check_title(title: str) -> None:
    """RejectedArticle when the title is missing, has no word or is longer than its column."""
    if not title:
        raise RejectedArticle("The title is missing.")
    if not has_a_word(title):
        raise RejectedArticle(f"The title {title[:60]!r} has no letter or digit.")
    _within_limit("title", title, TITLE_MAX_LENGTH)


def _within_limit(name: str, text: str, limit: int) -> str:
    """The field's text, or RejectedArticle when it is longer than its column holds."""
    if len(text) > limit:
        raise RejectedArticle(f"The {name} is {len(text):,} characters long; the limit is {limit}.")
    return text


def _record_published(text: str) -> datetime.date:
    """The record's date, or RejectedArticle saying which forms are understood."""
    published = _record_date(text)
    if published is None:
        raise RejectedArticle(
            f"The date {_quote(text)} is missing or not understood; use 2019-09-27 or 27 Sep, 2019."
        )
    return published


def _paragraphs(body: str) -> tuple[str, ...]:
    """The body's paragraphs: split at blank lines, or at each line when it has none."""
    return tuple(
        " ".join(p.split()) for p in re.split(r"\n\s*\n" if "\n\n" in body else r"\n", body) if p.strip()
    )


def normalised_identifier(text: str) -> str:
    """The sender's id as one identity however it was typed or copied: composed (NFC, so "café" is
    one id in both its encodings), without invisible format characters (bidi marks, zero-width
    spaces), runs of spaces as one. Letter case counts: "ABC-1" and "abc-1" may be two releases."""
    visible = "".join(
        character
        for character in unicodedata.normalize("NFC", text)
        if unicodedata.category(character) != "Cf"
    )
    return " ".join(visible.split())


def normalised_url(text: str) -> str:
    """The release's web address, with its scheme and host in lower case and without a #fragment,
    so that one page is one identity however it was copied; "" when the record gives none."""
    if not text:
        return ""
    _within_limit("url", text, IDENTIFIER_MAX_LENGTH)
    try:
        parts = urlsplit(text)
        valid = parts.scheme.lower() in ("http", "https") and parts.hostname and not re.search(r"\s", text)
    except ValueError:  # a malformed port or IPv6 address
        valid = False
    if not valid:
        raise RejectedArticle(f"The url {_quote(text)} is not a web address (http:// or https://).")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))


def _text_field(fields: dict, name: str) -> str:
    """A field's text, cleaned; JSON numbers arrive as written (json_values keeps them so)."""
    value = fields.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RejectedArticle(f"The {name} must be text, not {_json_kind(value)}.")
    return clean_text(value)


def _json_kind(value) -> str:
    return {bool: "true or false", list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def _quote(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "…")


def _record_date(text: str) -> datetime.date | None:
    try:
        return (
            datetime.date.fromisoformat(text[:10])
            if re.match(r"^\d{4}-\d{2}-\d{2}", text)
            else parse_article_date(text)
        )
    except ValueError:
        return None


def _record_countries(value) -> tuple[str, ...] | None:
    """ISO codes or names ("PK; Russia"), or None when the record leaves them to be found."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        names = re.split(r"[;|,]", clean_text(value))
    elif isinstance(value, list) and all(isinstance(name, str) for name in value):
        names = [clean_text(name) for name in value]
    else:
        raise RejectedArticle(
            'The countries must be text ("PK; Russia") or a list of texts (["PK", "Russia"]).'
        )
    codes = []
    for name in (n.strip() for n in names):
        if not name:
            continue
        code = resolve_country(name)
        if code is None:
            raise RejectedArticle(
                f"Unknown country {_quote(name)}; use ISO codes such as PK or names such as Pakistan."
            )
        codes.append(code)
    return tuple(dict.fromkeys(codes))
