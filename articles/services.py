"""Multi-step writes to the archive. Index updates follow from the signals in `signals.py`."""
import hashlib
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from .ingest.countries import find_countries
from .ingest.parsing import ParsedArticle
from .models import Article, Country

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass(frozen=True)
class ImportResult:
    outcome: str  # CREATED, UPDATED or UNCHANGED
    article: Article


def release_fingerprint(*, title: str, published, body: str) -> str:
    """The same release, whitespace aside, always has the same fingerprint."""
    normalised = "\n".join((" ".join(title.split()).casefold(), published.isoformat(), " ".join(body.split())))
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def article_import(*, parsed: ParsedArticle, batch=None) -> ImportResult:
    """Store a parsed release once: identical text is a no-op, a changed text under the same
    title and date updates that article (its permalink stays)."""
    fingerprint = release_fingerprint(title=parsed.title, published=parsed.published, body=parsed.body)
    try:
        with transaction.atomic():
            existing = Article.objects.filter(fingerprint=fingerprint).first()
            if existing:
                return ImportResult(UNCHANGED, existing)
            article = Article.objects.filter(title=parsed.title, published=parsed.published).first()
            outcome = UPDATED if article else CREATED
            article = article or Article(title=parsed.title, published=parsed.published)
            article.body, article.source, article.fingerprint = parsed.body, parsed.source, fingerprint
            article.import_batch = batch or article.import_batch
            if parsed.countries is not None and not article.countries_set_by_hand:
                article.countries_set_by_hand = True  # the sender chose them; extraction leaves them be
                article.save()
                article.countries.set(Country.objects.filter(code__in=parsed.countries))
            else:
                article.save()
                if not article.countries_set_by_hand:
                    tag_countries(article)
            return ImportResult(outcome, article)
    except IntegrityError:
        # Another process stored the same release between our check and our insert.
        return ImportResult(UNCHANGED, Article.objects.get(fingerprint=fingerprint))


def tag_countries(article: Article) -> None:
    """Set the countries the article's text names (editors' choices are not passed here)."""
    codes = [mention.code for mention in find_countries(article.title, article.body)]
    article.countries.set(Country.objects.filter(code__in=codes))
