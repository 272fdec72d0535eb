"""What editors do to releases beyond editing their fields: restore a version, split a wrong
update back out, merge two releases into one, withdraw and reinstate, remove for good.

Every action keeps what it replaces: a restore and a split are new versions, a merged or
withdrawn release keeps its row and its history, and even a removal for good leaves the
trace its permalink answers 410 with. The index follows from the saves (signals.py).
"""

from django.db import transaction
from django.utils import timezone

from .attachments import forget_attachments
from .history import VERSIONED_FIELDS, record_version
from .models import Article, ArticleRemoval, ArticleVersion
from .services import article_fingerprint, tag_countries, text_twin


class EditingError(Exception):
    """An action that cannot be done, with the reason for the editor."""


def restore_version(
    version: ArticleVersion, *, user=None, note: str = "", major: bool = True
) -> ArticleVersion:
    """Make an earlier version the current text again; the restore is itself a new version.

    Its countries are found again in the restored text, editors' choices kept.
    """
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=version.article_id)
        _store_text_of(version, article, twin_advice="merge the two instead")
        restored = record_version(
            article,
            how=f"restore of version {version.number}",
            user=user,
            major=major,
            note=note or f"Version {version.number} was restored.",
        )
        if restored is None:
            raise EditingError(
                f"Version {version.number} is what the release reads now; there is nothing to restore."
            )
        return restored


def split_version(version: ArticleVersion, *, user=None) -> Article:
    """A release of its own again from an earlier version that an update wrongly replaced.

    The release it was split from keeps its current text and its whole history; the new
    release starts at version 1, which names the version it came from.
    """
    with transaction.atomic():
        source = Article.objects.select_for_update().get(pk=version.article_id)
        if version.number == source.versions.latest_number():
            raise EditingError("This is the release's current version; only an earlier one can be split out.")
        if version.split_into.exists():
            other = version.split_into.first().article_id
            raise EditingError(f"Version {version.number} was split out already, as release #{other}.")
        article = Article(import_batch=version.import_batch)
        _store_text_of(version, article, twin_advice="it stands for this version already")
        record_version(
            article, how=f"split from #{source.pk} version {version.number}", user=user, split_from=version
        )
        return article


def merge(duplicate: Article, survivor: Article) -> None:
    """`duplicate` is `survivor` under another record: it leaves search and its permalink
    redirects to the survivor's. Undone by `reinstate`."""
    with transaction.atomic():
        # Both rows locked, in one order (PostgreSQL): two editors merging A into B and B into A
        # at once are taken one after the other, and the second finds the circle.
        locked = Article.objects.select_for_update().filter(pk__in=[duplicate.pk, survivor.pk]).order_by("pk")
        rows = {article.pk: article for article in locked}
        duplicate, survivor = rows.get(duplicate.pk, duplicate), rows.get(survivor.pk, survivor)
        if duplicate.pk == survivor.pk:
            raise EditingError("A release cannot be merged into itself.")
        final, seen = survivor, {survivor.pk}
        while final.merged_into_id:  # merging into a merged release means into the one it became
            if final.merged_into_id in seen or final.merged_into_id == duplicate.pk:
                raise EditingError(
                    f"Release #{survivor.pk} is itself merged into #{duplicate.pk}; "
                    "merging back would go round in circles."
                )
            seen.add(final.merged_into_id)
            final = Article.objects.select_for_update().get(pk=final.merged_into_id)
        if final.withdrawn:
            raise EditingError(
                f"Release #{final.pk} is withdrawn: readers would be sent to a page that says so. "
                "Restore it first."
            )
        duplicate.merged_into = final
        duplicate.save(update_fields=["merged_into", "updated"])
        # Releases merged into the duplicate follow it, so no permalink redirects twice.
        Article.objects.filter(merged_into=duplicate).update(merged_into=final)


WITHDRAWAL_NOTE_MAX_CHARACTERS = 2000


def withdraw(article: Article, *, note: str) -> None:
    """Out of search, feeds and the sitemap; the permalink answers 410 with the date and `note`."""
    if not note.strip():
        raise EditingError("Say why the release is withdrawn: readers who follow its link see the note.")
    if len(note.strip()) > WITHDRAWAL_NOTE_MAX_CHARACTERS:
        raise EditingError(
            f"The note is {len(note.strip()):,} characters long; "
            f"readers need at most {WITHDRAWAL_NOTE_MAX_CHARACTERS:,}."
        )
    article.withdrawn, article.withdrawn_note = timezone.now(), note.strip()
    article.save(update_fields=["withdrawn", "withdrawn_note", "updated"])


def reinstate(article: Article) -> None:
    """Back to readers: a withdrawn release, or a merged one as a release of its own again."""
    article.withdrawn, article.withdrawn_note, article.merged_into = None, "", None
    article.save(update_fields=["withdrawn", "withdrawn_note", "merged_into", "updated"])


def remove_permanently(article: Article, *, reason: str, user=None) -> ArticleRemoval:
    """Delete the release and its every version (a legal removal). Its permalink answers 410 with
    `reason`, and imports never bring it back: the removal keeps its identifier and its texts'
    fingerprints (one-way digests, not the words). Copies merged into it go with it, and so do
    its attachments' rows and files (a withdrawal keeps them, unserved)."""
    if not reason.strip():
        raise EditingError("Say why the release is removed for good: its permalink shows the reason.")
    with transaction.atomic():
        for copy in Article.objects.filter(merged_into=article):  # editors said they are this release
            remove_permanently(copy, reason=reason, user=user)
        versions = article.versions.values_list("title", "published", "body")
        fingerprints = {article_fingerprint(title=t, published=p, body=b) for t, p, b in versions} | {
            article.fingerprint
        }
        removal = ArticleRemoval.objects.create(
            article_id=article.pk,
            removed_by=user,
            reason=reason.strip(),
            identifier=article.identifier or "",
            fingerprints=" ".join(sorted(fingerprints)),
        )
        forget_attachments([article.pk])
        article.delete()
        return removal


def _store_text_of(version: ArticleVersion, article: Article, *, twin_advice: str) -> None:
    """Give `article` the version's text and save it, its countries found again, unless another
    release without an identifier already has that very text."""
    for name in VERSIONED_FIELDS:
        setattr(article, name, getattr(version, name))
    article.fingerprint = article_fingerprint(
        title=article.title, published=article.published, body=article.body
    )
    twin = text_twin(article)
    if twin:
        raise EditingError(f"Release #{twin.pk} (“{twin.title}”) has this very text; {twin_advice}.")
    article.save()
    tag_countries(article)
