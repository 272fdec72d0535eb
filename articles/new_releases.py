"""New releases stored together: a chunk's releases that no stored release can be are written in
a few statements for all of them, rather than a dozen each (one by one, `article_import`).

A release is new beyond doubt when nothing stored shares its identifier, its title and date, or its
text, no removal names it, and no release before it in the chunk does either (identity.py's rules
could then match nothing). What is stored is what `article_import` stores for a new release: the
article, its countries, its first version, the change-log entry the indexes follow (by the same
`post_save` signal) and the alert matching owed (alerts/signals.py).
"""

from dataclasses import dataclass

from django.db import router
from django.db.models.signals import post_save

from .alerts.signals import owe_alert_matching
from .history import first_version
from .ingest.countries import CountryMention
from .ingest.parsing import ParsedArticle
from .models import Article, ArticleCountry, ArticleRemoval, ArticleVersion, ImportItem
from .services import ImportResult, countries_to_tag, import_how, reason_with_notes, write_parsed


@dataclass(frozen=True)
class NewRelease:
    parsed: ParsedArticle
    fingerprint: str
    mentions: list[CountryMention]


def _keys(parsed: ParsedArticle, fingerprint: str) -> set[tuple]:
    """What could make a release the same as another: its identifier, title and date, and text."""
    keys = {("title", parsed.title, parsed.published), ("text", fingerprint)}
    if parsed.identifier:
        keys.add(("id", parsed.identifier))
    return keys


class KnownReleases:
    """What is stored of a chunk's releases, read in a few queries: which of them could be a stored
    release (or a removed one), and which share something with a release before them in the chunk."""

    def __init__(self, candidates: list[tuple[ParsedArticle, str]]):
        identifiers = {parsed.identifier for parsed, _ in candidates if parsed.identifier}
        fingerprints = {fingerprint for _, fingerprint in candidates}
        titles = {parsed.title for parsed, _ in candidates}
        self._stored: set[tuple] = set()
        self._stored.update(("id", value) for value in _stored_values("identifier", identifiers))
        self._stored.update(("text", value) for value in _stored_values("fingerprint", fingerprints))
        self._stored.update(("title", *pair) for pair in _stored_values("title", titles, "published"))
        # Removals are few (a legal removal is rare): read whole, once a chunk.
        for identifier, digests in ArticleRemoval.objects.values_list("identifier", "fingerprints"):
            if identifier:
                self._stored.add(("id", identifier))
            self._stored.update(("text", digest) for digest in digests.split())
        self._earlier: set[tuple] = set()

    def is_new(self, parsed: ParsedArticle, fingerprint: str) -> bool:
        """Whether the release is new beyond doubt; either way, the next releases are compared with it."""
        keys = _keys(parsed, fingerprint)
        new = keys.isdisjoint(self._stored) and keys.isdisjoint(self._earlier)
        self._earlier |= keys
        return new


def _stored_values(field: str, values: set, *more: str, size: int = 500):
    """`field` (and `more` fields) of the stored articles whose `field` is among `values`, a slice
    of values per query (SQLite limits the parameters of one statement)."""
    values = sorted(values, key=str)
    for start in range(0, len(values), size):
        stored = Article.objects.filter(**{f"{field}__in": values[start : start + size]})
        yield from stored.values_list(field, *more, flat=not more)


def is_simple(parsed: ParsedArticle) -> bool:
    """A release whose storing has no part beyond the article, its countries and its version:
    no attachments to keep, no sender's list of countries to record as choices."""
    return not parsed.attachments and parsed.countries is None


def store_new_releases(releases: list[NewRelease], *, batch) -> list[ImportResult]:
    """Store releases known to be new (`KnownReleases.is_new`), together; within the caller's transaction."""
    articles = []
    for release in releases:
        article = Article()
        write_parsed(article, release.parsed, release.fingerprint, batch)
        article.set_slug()
        articles.append(article)
    Article.objects.bulk_create(articles)
    tags = [countries_to_tag(release.mentions, {}) for release in releases]
    ArticleCountry.objects.bulk_create(
        ArticleCountry(article=article, country_id=code, weight=weights[code])
        for article, weights in zip(articles, tags, strict=True)
        for code in sorted(weights)
    )
    how = import_how(batch)
    versions = ArticleVersion.objects.bulk_create(
        first_version(article, how=how, batch=batch, countries=weights)
        for article, weights in zip(articles, tags, strict=True)
    )
    _saved(articles)
    owe_alert_matching(versions)
    return [
        ImportResult(ImportItem.Outcome.CREATED, article, reason_with_notes(release.parsed, ""))
        for release, article in zip(releases, articles, strict=True)
    ]


def _saved(articles: list[Article]) -> None:
    """What `save` tells its receivers (the change log the indexes follow), which a bulk insert does not."""
    using = router.db_for_write(Article)
    for article in articles:
        post_save.send(
            sender=Article, instance=article, created=True, update_fields=None, raw=False, using=using
        )
