"""What a search document is, and how an article becomes one."""

import hashlib
import unicodedata

from whoosh.analysis import (
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.support.charset import accent_map

from .analysis import MAX_WORD_CHARACTERS, indexed_words, word_pairs


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


class PairsFilter(Filter):
    """Neighbouring words as one term each, as Whoosh's BiWordFilter makes them, and a text of one
    word as that word. BiWordFilter fails (UnboundLocalError) on a text with no word left to pair,
    such as a release titled "The", and gives a text of one word the last token its tokenizer saw:
    "Trade of" became "of", since Whoosh hands the same token object from filter to filter."""

    def __init__(self, sep=" "):
        self.sep = sep

    def __call__(self, tokens):
        previous = token = None
        paired = False
        for token in tokens:
            text = token.text
            if previous is not None:
                token.text = f"{previous}{self.sep}{text}"
                paired = True
                yield token
            previous = text
        if token is not None and not paired:
            token.text = previous
            yield token


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
    """The one definition of an article's search document, for live updates and rebuilds alike.

    Its text fields are given to the writer as their words (`analysis.py`), which is how they
    are indexed; its digest is of their text (`document_text`), as it always was, so an index
    written before the words were analysed this way is not taken for a stale one.
    """
    document = document_text(article)
    title_words, body_words = indexed_words(document["title"]), indexed_words(document["body"])
    return {
        **document,
        "title": title_words,
        "body": body_words,
        "pairs": word_pairs(title_words + body_words),
    }


def document_text(article) -> dict:
    """The article's search document with its text fields as text, and their digest."""
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
