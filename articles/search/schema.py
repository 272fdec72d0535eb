"""What a search document is, and how an article becomes one."""
import hashlib
from whoosh.analysis import BiWordFilter, StemmingAnalyzer
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema

SCHEMA = Schema(
    id=ID(stored=True, unique=True),
    # Title words weigh twice body words in BM25F ranking.
    title=TEXT(analyzer=StemmingAnalyzer(), field_boost=2.0),
    # Not stored: snippets are highlighted from the database's text of the page's hits.
    body=TEXT(analyzer=StemmingAnalyzer()),
    # Neighbouring words of title and body as one term each ("bilater trade"): a phrase
    # search looks up its pairs instead of reading every position of every word.
    pairs=TEXT(analyzer=StemmingAnalyzer() | BiWordFilter(sep=" "), phrase=False),
    # An integer such as 20190927: numeric ranges are fast where DATETIME ranges are not.
    published=NUMERIC(int, bits=32, signed=False, sortable=True),
    countries=KEYWORD(lowercase=False, scorable=False),
    source=KEYWORD(lowercase=True, commas=True),
    # A digest of everything above, so `check_index` can tell a stale document from a current one.
    fingerprint=ID(stored=True),
)


def date_to_number(day) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def article_to_document(article) -> dict:
    """The one definition of an article's search document, for live updates and rebuilds alike."""
    document = {
        "id": str(article.pk),
        "title": article.title,
        "body": article.body,
        "published": date_to_number(article.published),
        "countries": " ".join(sorted(country.code for country in article.countries.all())),
        "source": article.source,
        "pairs": f"{article.title}\n{article.body}",
    }
    document["fingerprint"] = document_fingerprint(document)
    return document


def document_fingerprint(document: dict) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for name in sorted(document):
        digest.update(f"{name}\x1f{document[name]}\x1e".encode())
    return digest.hexdigest()
