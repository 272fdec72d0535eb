"""Every version of every release: recorded after each change, readable for ever, restorable.

A version is the release as it read from its `created` until the next one, title, date,
body, source and countries. Whoever changes an article (an import, an admin edit, a retag,
a restore) calls `record_version` in the same transaction, so a change and the version that
keeps it commit together or not at all; a version the same as the last is not written.
"""

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from .models import Article, ArticleVersion

VERSIONED_FIELDS = ("title", "published", "body", "source", "source_url")
# How a field's change is named in the change note written when the editor or sender gives none.
_FIELD_NAMES = {
    "title": "title",
    "published": "date",
    "body": "text",
    "source": "source",
    "source_url": "source URL",
    "countries": "countries",
}


def snapshot(article: Article, countries: dict[str, float] | None = None) -> dict:
    """What a version keeps of the article as it is now.

    `countries` is its tags, when the caller has just written them.
    """
    kept = {name: getattr(article, name) for name in VERSIONED_FIELDS}
    if countries is None:
        countries = dict(article.country_tags.values_list("country_id", "weight"))
    kept["countries"] = dict(sorted(countries.items()))
    return kept


def changed_fields(before: dict, after: dict) -> list[str]:
    return [
        name
        for name in (*VERSIONED_FIELDS, "countries")
        if _comparable(before.get(name)) != _comparable(after.get(name))
    ]


def _comparable(value):
    return str(value) if hasattr(value, "isoformat") else value  # a date read back from a form or a version


def describe_change(fields: list[str]) -> str:
    """A change note for readers from the fields that changed: "The title and text were revised."."""
    told = [
        name for name in fields if name in MAJOR_FIELDS
    ] or fields  # countries follow a new text: not news
    names = [_FIELD_NAMES[name] for name in told]
    if not names:
        return ""
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"The {listed} {'were' if len(names) > 1 or names == ['countries'] else 'was'} revised."


# What readers are told of by default: a change of what the release says. A new source URL or
# countries found again are kept as versions too, quietly.
MAJOR_FIELDS = ("title", "published", "body", "source")


def record_version(
    article: Article,
    *,
    how: str,
    user=None,
    batch=None,
    major: bool | None = None,
    note: str = "",
    split_from=None,
    countries: dict[str, float] | None = None,
) -> ArticleVersion | None:
    """Keep the article as it now reads as its next version, unless that is its latest version already.

    `major` None: major when a field of MAJOR_FIELDS changed. A major change without a note gets one
    naming the fields that changed. `countries`: the tags just written, which saves reading them back.
    """
    # Part of the caller's transaction (the change it keeps commits with it), without a savepoint of its own.
    with transaction.atomic(savepoint=False):
        if connection.features.has_select_for_update:
            # The article row is locked, so two writers cannot both take the next number. (SQLite
            # has one writer at a time: there the transaction itself is the lock.)
            Article.objects.select_for_update().filter(pk=article.pk).values_list("pk").first()
        latest = article.versions.latest_first().first()
        now = snapshot(article, countries)
        changed = changed_fields(version_fields(latest), now) if latest else list(MAJOR_FIELDS)
        if not changed:
            return None
        major, note = _major_and_note(latest, changed, major=major, note=note)
        version = _version(
            article,
            now,
            number=(latest.number + 1) if latest else 1,
            how=how,
            user=user,
            batch=batch,
            major=major,
            note=note,
            split_from=split_from,
        )
        version.save(force_insert=True)
        return version


def first_version(article: Article, *, how: str, batch=None, countries: dict[str, float]) -> ArticleVersion:
    """Version 1 of a new article, as `record_version` writes it, unsaved (for a bulk insert)."""
    return _version(
        article,
        snapshot(article, countries),
        number=1,
        how=how,
        user=None,
        batch=batch,
        major=True,
        note="",
        split_from=None,
    )


def _version(article, kept: dict, *, number, how, user, batch, major, note, split_from) -> ArticleVersion:
    return ArticleVersion(
        article=article,
        number=number,
        created=timezone.now(),
        created_by=user,
        how=how[:200],
        import_batch=batch,
        major=major,
        note=note,
        split_from=split_from,
        **kept,
    )


def _major_and_note(
    latest: ArticleVersion | None, changed: list[str], *, major: bool | None, note: str
) -> tuple[bool, str]:
    """Whether the next version is major, and its note: see `record_version`. A first version is
    major, with the note it was given."""
    if latest is None:
        return True, note
    if major is None:
        major = any(name in MAJOR_FIELDS for name in changed)
    return major, (describe_change(changed) if major and not note else note)


def version_fields(version: ArticleVersion) -> dict:
    kept = {name: getattr(version, name) for name in VERSIONED_FIELDS}
    kept["countries"] = dict(sorted(version.countries.items()))
    return kept


def first_versions_of_unversioned(*, batch_size: int = 1000) -> int:
    """Version 1 for every article that has none (archives from before versions, rows written by hand)."""
    written = 0
    while unversioned := list(Article.objects.without_versions().order_by("pk")[:batch_size]):
        with transaction.atomic():
            for article in unversioned:
                written += record_version(article, how="the archive before versions were kept") is not None
    return written


@dataclass(frozen=True)
class Update:
    """A major change readers are told of: when, and the note."""

    number: int
    created: object
    note: str


def public_updates(article: Article) -> list[Update]:
    """The major changes after first publication, newest first, as the article page lists them."""
    versions = article.versions.major().filter(number__gt=1).latest_first()  # after the first: updates
    return [Update(v.number, v.created, v.note) for v in versions.only("number", "created", "note")]


def last_major_change(article: Article):
    """When readers were last told of a change: the latest major version's time (None before any version)."""
    return article.versions.major().aggregate(last=Max("created"))["last"]
