"""Web pages (.html) -> a release: the article's own text, its title, date and address.

Pure: bytes in, a ParsedArticle out. trafilatura finds the article in the page and leaves out
navigation, share buttons, comment links, related-links blocks and footers; the title, the
publication date and the canonical URL come from the page's metadata (JSON-LD, Open Graph,
`<time>`, meta tags) before its text. Nothing in the page is run or fetched: it is parsed,
never rendered, and its text is stored as text.
"""

import logging
from urllib.parse import urlsplit

from .cleaning import clean_text
from .dates import parse_article_date
from .documents import body_paragraphs, date_line, text_lines
from .errors import RejectedArticle
from .parsing import TITLE_MAX_LENGTH, ParsedArticle, has_a_word
from .records import normalised_url

# A saved page is mostly markup, scripts and styles; past this it is no press release's page.
MAX_PAGE_BYTES = 5 * 1024 * 1024
# trafilatura's time grows faster than the number of elements (measured: 60,000 tags 1.9 s,
# 120,000 tags 6.7 s); a press release's page has a few thousand, so this bounds a request.
MAX_PAGE_TAGS = 60_000

# trafilatura logs every page it finds no article in; the batch records the reason instead.
logging.getLogger("trafilatura").setLevel(logging.ERROR)
logging.getLogger("htmldate").setLevel(logging.ERROR)


def read_web_page(data: bytes, limits) -> ParsedArticle:
    """The release a saved web page holds, or RejectedArticle saying why there is none."""
    found = extract_page(data)
    title = " ".join(clean_text(found.title or "").split())
    lines = text_lines(found.text.split("\n"))
    if lines and lines[0] == title:  # the page's heading, repeated in its text
        lines = lines[1:]
    _check_title(title)
    published, lines = _published(found.date, lines)
    address = _address(found.url)
    return ParsedArticle(
        title=title,
        published=published,
        paragraphs=body_paragraphs(lines, limits, "page"),
        # The canonical URL names the release: the page saved, uploaded and later harvested is one release.
        identifier=address,
        source_url=address,
    )


def extract_page(page: bytes | str):
    """trafilatura's reading of a page (its article's text and its metadata) within the page
    limits; RejectedArticle when it holds no article text. An e-mail's HTML part is read so too."""
    if len(page) > MAX_PAGE_BYTES:
        raise RejectedArticle(
            f"The page is {len(page):,} bytes; a release's page has at most {MAX_PAGE_BYTES:,}."
        )
    if (tags := page.count("<" if isinstance(page, str) else b"<")) > MAX_PAGE_TAGS:
        raise RejectedArticle(
            f"The page has {tags:,} tags; a release's page has at most {MAX_PAGE_TAGS:,}. Nothing was read."
        )
    # Imported here, not above: it takes a quarter of a second, and most processes never read a page.
    import trafilatura

    try:
        found = trafilatura.bare_extraction(
            page,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            date_extraction_params={"original_date": True, "extensive_search": False},
        )
    except Exception as error:  # whatever its HTML parser meets in a damaged page
        raise RejectedArticle(f"Pressroom could not read this page ({type(error).__name__}).") from error
    if found is None or not (found.text or "").strip():
        raise RejectedArticle("The page holds no article text that Pressroom could find.")
    return found


def _check_title(title: str) -> None:
    if not has_a_word(title):
        raise RejectedArticle("The page names no title (no <title>, heading or metadata).")
    if len(title) > TITLE_MAX_LENGTH:
        raise RejectedArticle(
            f"The page's title is {len(title):,} characters long; a title has at most {TITLE_MAX_LENGTH}."
        )


def _published(stated: str | None, lines: list[str]):
    """The date the page's markup gives, else a date line near the top of its text."""
    if stated:
        published = parse_article_date(stated[:10])
        if published is not None:
            return published, lines
    found = date_line(lines)
    if found is not None:
        return found
    raise RejectedArticle(
        "The page states no publication date, neither in its markup (such as <time> or "
        "article:published_time) nor on a line of its text."
    )


def _address(url: str | None) -> str:
    """The page's canonical address, when it gives a web address (not a file path or a script) other
    than a site's home page, which a misconfigured site names as every page's canonical URL."""
    try:
        address = normalised_url(url or "")
    except RejectedArticle:
        return ""
    parts = urlsplit(address)
    return "" if parts.path == "/" and not parts.query else address
