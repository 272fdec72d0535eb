"""What a search document is, and how an article becomes one."""

import hashlib
import itertools
import unicodedata

from whoosh.analysis import (
    BiWordFilter,
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.support.charset import accent_map

# No word is longer (German's longest compounds have about 60 letters); a longer run of letters is
# debris or hostile, and is neither indexed nor kept in the stemmer's cache of every process.
MAX_WORD_CHARACTERS = 100


def words_analyzer():
    """Lowercase words without their accents, stop words dropped, stemmed: "Türkiye" is "turkiy",
    as "Turkiye" is, so a reader finds a release whichever way either of them wrote it."""
    return (
        RegexTokenizer()
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter(maxsize=MAX_WORD_CHARACTERS)
        | StemFilter(cachesize=50000)
    )


class PairsFilter(BiWordFilter):
    """Whoosh's BiWordFilter, which fails (UnboundLocalError) on a text with no word left to pair:
    only stop words or punctuation, such as a release titled "The". Such a text has no pairs."""

    def __call__(self, tokens):
        tokens = iter(tokens)
        first = next(tokens, None)
        if first is not None:
            yield from super().__call__(itertools.chain([first], tokens))


# The stored field with each document's digest (`document_digest`): a drift check's, not
# `Article.fingerprint`, which finds duplicate releases. It keeps the name the first index gave
# it, because a field renamed is an index "built by an earlier version": every archive would
# rebuild on upgrade, and serve no search until it had.
DIGEST_FIELD = "fingerprint"

SCHEMA = Schema(
    id=ID(stored=True, unique=True),
    # Title words weigh twice body words in BM25F ranking.
    title=TEXT(analyzer=words_analyzer(), field_boost=2.0),
    # Not stored: snippets are highlighted from the database's text of the page's hits.
    body=TEXT(analyzer=words_analyzer()),
    # Neighbouring words of title and body as one term each ("bilater trade"): a phrase
    # search looks up its pairs instead of reading every position of every word.
    pairs=TEXT(analyzer=words_analyzer() | PairsFilter(sep=" "), phrase=False),
    # An integer such as 20190927: numeric ranges are fast where DATETIME ranges are not.
    published=NUMERIC(int, bits=32, signed=False, sortable=True),
    # Each country code once per COUNTRY_WEIGHT_STEP of its weight (see `country_terms`), so a
    # posting's frequency says how much the release is about that country. (Scorable: an index
    # written before weights, with each code once, is told apart by it and rebuilt.)
    countries=KEYWORD(lowercase=False, scorable=True),
    source=KEYWORD(lowercase=True, commas=True),
    # A digest of everything above, so `check_index` can tell a stale document from a current one.
    **{DIGEST_FIELD: ID(stored=True)},
)


# Country weights are kept to half a point, and up to 20 (a title, a dateline and a dozen
# mentions): beyond that a release is no more "about" a country for ranking's purposes.
COUNTRY_WEIGHT_STEP = 0.5
COUNTRY_WEIGHT_MAX = 20.0


def country_terms(tags) -> str:
    """(code, weight) pairs as the countries field's text: "PK PK PK IN" is PK 1.5, IN 0.5.

    Every tagged country is written at least once, even one only an editor chose (weight 0).
    """
    repeats = {
        code: max(1, round(min(weight, COUNTRY_WEIGHT_MAX) / COUNTRY_WEIGHT_STEP)) for code, weight in tags
    }
    return " ".join(code for code in sorted(repeats) for _ in range(repeats[code]))


def searchable_text(text: str) -> str:
    """Text with one spelling per character: "Tu\u0308rkiye" (u and a combining diaeresis) as
    "Türkiye", fullwidth "ｔｒａｄｅ" as "trade", so the tokenizer sees whole words. Used for
    documents and queries alike."""
    return unicodedata.normalize("NFKC", text)


def date_to_number(day) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def article_to_document(article) -> dict:
    """The one definition of an article's search document, for live updates and rebuilds alike."""
    title, body = searchable_text(article.title), searchable_text(article.body)
    document = {
        "id": str(article.pk),
        "title": title,
        "body": body,
        "published": date_to_number(article.published),
        "countries": country_terms((tag.country_id, tag.weight) for tag in article.country_tags.all()),
        "source": article.source,
        "pairs": f"{title}\n{body}",
    }
    document[DIGEST_FIELD] = document_digest(document)
    return document


def document_digest(document: dict) -> str:
    """A digest of the document's fields, which differs when any of them does (not `Article.fingerprint`,
    which tells duplicate releases apart)."""
    hashed = hashlib.blake2b(digest_size=16)
    for name in sorted(document):
        hashed.update(f"{name}\x1f{document[name]}\x1e".encode())
    return hashed.hexdigest()
