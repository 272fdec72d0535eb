"""What a permanent address answers once releases can be updated, merged, withdrawn or removed.

A permalink is never taken back: the release it names is either there to read, lives on
under another number (merged), is gone with a reason (withdrawn, removed for good), or was
never stored. The views turn each answer into HTTP; the decision is made here, once.
"""

import enum
import logging
from dataclasses import dataclass

from .models import Article, ArticleAttachment, ArticleRemoval, ArticleVersion

logger = logging.getLogger(__name__)


class State(enum.Enum):
    CURRENT = "current"  # readable here
    MERGED = "merged"  # the same release as `survivor`, whose permalink it redirects to
    WITHDRAWN = "withdrawn"  # taken out by an editor, with a date and a note; still citable
    REMOVED = "removed"  # deleted for good (a legal removal); only the removal's date and reason remain
    UNKNOWN = "unknown"  # no release ever had this number


@dataclass(frozen=True)
class Permalink:
    state: State
    article: Article | None = None  # the release asked for, unless removed or unknown
    survivor: Article | None = None  # for MERGED: the end of the merge chain
    removal: ArticleRemoval | None = None  # for REMOVED


def resolve(pk: int) -> Permalink:
    """What `/articles/<pk>/` answers."""
    article = Article.objects.prefetch_related("countries").filter(pk=pk).first()
    if article is None:
        removal = ArticleRemoval.objects.filter(article_id=pk).first()
        return Permalink(State.REMOVED, removal=removal) if removal else Permalink(State.UNKNOWN)
    # A withdrawal is the editor's word on this very release, so it outranks a merge.
    if article.withdrawn is not None:
        return Permalink(State.WITHDRAWN, article)
    if article.merged_into_id is not None:
        survivor = _end_of_merges(article)
        if survivor is not None:
            return Permalink(State.MERGED, article, survivor=survivor)
    return Permalink(State.CURRENT, article)


def _end_of_merges(article: Article) -> Article | None:
    """The release a merged one finally became (editing.merge keeps chains one step long; rows
    written otherwise may not be). None for a loop, which is then shown where it was asked for."""
    seen = {article.pk}
    current = article
    while current.merged_into_id is not None:
        if current.merged_into_id in seen:
            logger.error("article %s is merged in a loop through %s", article.pk, current.merged_into_id)
            return None
        seen.add(current.merged_into_id)
        current = Article.objects.get(pk=current.merged_into_id)
    return current


def find_version(article: Article, number: int) -> ArticleVersion | None:
    """The article's version `number`, or None when it has no such version.

    A number too large for the column finds nothing: Django's lookups check the range."""
    return article.versions.filter(number=number).first()


def versions_of(article: Article) -> list[ArticleVersion]:
    """The article's versions, first to current, without texts (the list pages and the API show no bodies)."""
    return list(article.versions.order_by("number").only("article_id", "number", "created", "major", "note"))


def find_attachment(article: Article, attachment_pk: int) -> ArticleAttachment | None:
    """The file the release's page offers under this number (its own, or a merged-in release's)."""
    return ArticleAttachment.objects.shown_with(article).filter(pk=attachment_pk).first()


def attachments_of(article: Article) -> list[ArticleAttachment]:
    """The files the release's page offers, each file once."""
    seen, shown = set(), []
    for attachment in ArticleAttachment.objects.shown_with(article):
        if attachment.sha256 not in seen:
            seen.add(attachment.sha256)
            shown.append(attachment)
    return shown
