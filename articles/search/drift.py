"""Comparing the index with the database, and repairing what differs."""

from dataclasses import dataclass

from django.db import transaction

from ..models import Article
from .schema import DIGEST_FIELD, document_text
from .searchers import searcher
from .sync import COMMAND_LOCK_TIMEOUT_SECONDS, apply_pending_updates, schedule_index_update


@dataclass(frozen=True)
class Drift:
    articles: int
    documents: int
    missing: frozenset[int]  # in the database, not in the index
    stale: frozenset[int]  # in both, but the index holds an older version
    orphaned: frozenset[int]  # in the index, no longer public in the database (deleted, withdrawn, merged)
    duplicated: frozenset[int]  # in the index more than once

    @property
    def drifted(self) -> frozenset[int]:
        return self.missing | self.stale | self.orphaned | self.duplicated


def find_drift(progress=None) -> Drift:
    """Compare every article's document with the index's copy (raises IndexUnavailable)."""
    indexed, duplicated, documents = {}, set(), 0
    with searcher() as held:
        for fields in held.searcher.reader().all_stored_fields():
            documents += 1
            article_id = int(fields["id"])
            if article_id in indexed:
                duplicated.add(article_id)
            indexed[article_id] = fields.get(DIGEST_FIELD)
    missing, stale, seen = set(), set(), 0
    for article in (
        Article.objects.public().order_by("pk").prefetch_related("country_tags").iterator(chunk_size=2000)
    ):
        seen += 1
        if article.pk not in indexed:
            missing.add(article.pk)
        elif indexed.pop(article.pk) != document_text(article)[DIGEST_FIELD]:
            stale.add(article.pk)
        if progress:
            progress(1)
    return Drift(
        articles=seen,
        documents=documents,
        missing=frozenset(missing),
        stale=frozenset(stale),
        orphaned=frozenset(indexed),
        duplicated=frozenset(duplicated),
    )


def repair(drift: Drift) -> int:
    """Owe the index an update for every drifted article, then pay it; returns how many."""
    with transaction.atomic():
        for article_id in sorted(drift.drifted):
            schedule_index_update(article_id)
    apply_pending_updates(COMMAND_LOCK_TIMEOUT_SECONDS)
    return len(drift.drifted)
