"""Storing many new releases at once: what `article_import` would store for each, in a few statements.

For filling an archive with hundreds of thousands of releases (the demo, benchmarks), where one
`article_import` per release spends its time in queries and signals. A release is stored in bulk
only when the import would create it as a plain new release: its article, its version 1, its
country tags with their weights, and its entry in the change log. Anything else (an identifier,
a sender's countries, attachments, the title and date of a stored release it may update) goes
the ordinary way, one `article_import` at a time, so the archive is the same either way.

The work that needs no database (parsing, the fingerprint, country extraction) is `prepare_release`,
which can run in other processes while this one writes.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from .bulk_rows import insert_rows
from .identity import match_article
from .ingest.countries import find_countries
from .ingest.errors import RejectedArticle
from .ingest.parsing import ParsedArticle, parse_article
from .models import Article, ArticleCountry, ArticleRemoval, ArticleVersion, slug_for
from .search import record_index_changes
from .services import article_import, countries_to_tag, parsed_fingerprint

# What the version of a release imported without a batch says made it (services._import).
IMPORTED = "import"


@dataclass(frozen=True)
class PreparedRelease:
    """A parsed release with what storing it needs computed beforehand."""

    parsed: ParsedArticle
    fingerprint: str
    mentions: list  # CountryMention, most prominent first

    @property
    def countries(self) -> dict[str, float]:
        """Its tags as a new release (one no editor has chosen countries for) gets them."""
        return countries_to_tag(self.mentions, {})


def prepare_release(text: str) -> PreparedRelease:
    """Parse a release in the upload format and find its countries (RejectedArticle when it is not one)."""
    parsed = parse_article(text)
    return PreparedRelease(parsed, parsed_fingerprint(parsed), find_countries(parsed.title, parsed.body))


@dataclass
class BulkOutcome:
    created: int = 0
    unchanged: int = 0  # the same text is stored already
    refused: int = 0  # the text (or identifier) of a release removed for good
    imported_one_by_one: int = 0  # went the ordinary way (an update, an identifier...)

    def add(self, other: "BulkOutcome") -> None:
        self.created += other.created
        self.unchanged += other.unchanged
        self.refused += other.refused
        self.imported_one_by_one += other.imported_one_by_one


def store_releases(releases: list[PreparedRelease]) -> BulkOutcome:
    """Store the releases in one transaction, as importing them one by one in this order would."""
    outcome = BulkOutcome()
    with transaction.atomic():
        removed = _removed_fingerprints()
        for group in _without_namesakes(releases):
            outcome.add(_store_group(group, removed))
    return outcome


def _without_namesakes(releases: list[PreparedRelease]):
    """The releases in runs in which no two share a title and date, or a text: a release that
    shares them with an earlier one is matched against it, so it waits until that one is stored."""
    run, seen = [], set()
    for release in releases:
        parsed = release.parsed
        keys = {(parsed.title, parsed.published), release.fingerprint}
        if keys & seen:
            yield run
            run, seen = [], set()
        run.append(release)
        seen |= keys
    if run:
        yield run


def _store_group(releases: list[PreparedRelease], removed: set[str]) -> BulkOutcome:
    outcome = BulkOutcome()
    stored = set(
        Article.objects.without_identifier()
        .filter(fingerprint__in=[release.fingerprint for release in releases])
        .values_list("fingerprint", flat=True)
    )
    namesakes = set(
        Article.objects.filter(title__in={release.parsed.title for release in releases}).values_list(
            "title", "published"
        )
    )
    new, one_by_one = [], []
    for release in releases:
        parsed = release.parsed
        if not _plain(parsed):
            one_by_one.append(release)
        elif release.fingerprint in removed:
            outcome.refused += 1  # as the import refuses it (services._refuse_removed_article)
        elif release.fingerprint in stored:
            outcome.unchanged += 1
        elif (parsed.title, parsed.published) not in namesakes or match_article(parsed).article is None:
            new.append(release)  # a namesake whose text it does not resemble: a new release too
        else:
            one_by_one.append(release)  # a correction of a stored release: an update
    outcome.created = _create(new) if new else 0
    for release in one_by_one:
        try:
            article_import(parsed=release.parsed, mentions=release.mentions)
            outcome.imported_one_by_one += 1
        except RejectedArticle:
            outcome.refused += 1
    return outcome


def _plain(parsed: ParsedArticle) -> bool:
    """Nothing but a text: no identifier to match by, no sender's countries, no files."""
    return not parsed.identifier and parsed.countries is None and not parsed.attachments


def _create(releases: list[PreparedRelease]) -> int:
    """New articles for the releases, with what `article_import` writes for a new one."""
    now = timezone.now()
    insert_rows(
        Article,
        (
            {
                "title": release.parsed.title,
                "slug": slug_for(release.parsed.title),
                "published": release.parsed.published,
                "body": release.parsed.body,
                "source": release.parsed.source,
                "fingerprint": release.fingerprint,
                "created": now,
                "updated": now,
            }
            for release in releases
        ),
    )
    # A fingerprint names one release without an identifier (the one_text_without_identifier constraint).
    ids = dict(
        Article.objects.without_identifier()
        .filter(fingerprint__in=[release.fingerprint for release in releases])
        .values_list("fingerprint", "pk")
    )
    tags = [(ids[release.fingerprint], release.countries) for release in releases]
    insert_rows(
        ArticleCountry,
        (
            {"article_id": article_id, "country_id": code, "weight": weight}
            for article_id, countries in tags
            for code, weight in countries.items()
        ),
    )
    insert_rows(
        ArticleVersion,
        (
            _first_version(article_id, release, countries, now)
            for release, (article_id, countries) in zip(releases, tags, strict=True)
        ),
    )
    record_index_changes([article_id for article_id, _ in tags])
    return len(tags)


def _first_version(article_id: int, release: PreparedRelease, countries, now: datetime.datetime) -> dict:
    """Version 1 as `history.record_version` writes it for an import without a batch."""
    parsed = release.parsed
    return {
        "article_id": article_id,
        "number": 1,
        "title": parsed.title,
        "published": parsed.published,
        "body": parsed.body,
        "source": parsed.source,
        "countries": dict(sorted(countries.items())),
        "created": now,
        "how": IMPORTED,
        "major": True,
    }


def _removed_fingerprints() -> set[str]:
    """The texts of every version of every release removed for good (they are few)."""
    return {
        fingerprint
        for fingerprints in ArticleRemoval.objects.values_list("fingerprints", flat=True)
        for fingerprint in fingerprints.split()
    }
