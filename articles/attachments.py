"""Keeping a release's attachments: each file on disk under its SHA-256, then its row.

A file is written before its row, so a crash leaves at most a file no row names (harmless),
never a row whose file is missing; the same bytes on one release are kept once
(one_copy_per_article), and the same bytes on two releases share one file.
"""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from .ingest.attachments import Attachment
from .models import Article, ArticleAttachment, attachment_path


def keep_attachments(article: Article, attachments: tuple[Attachment, ...], *, batch=None) -> int:
    """Store those of `attachments` the article does not have yet; how many were added."""
    have = set(article.attachments.values_list("sha256", flat=True))
    added = 0
    for each in attachments:
        sha256 = each.sha256
        if sha256 in have:
            continue
        row = ArticleAttachment(
            article=article,
            name=each.name,
            content_type=each.content_type,
            size=len(each.data),
            sha256=sha256,
            batch=batch,
        )
        _write_file(row, each)
        row.save()
        have.add(sha256)
        added += 1
    return added


def _write_file(row: ArticleAttachment, each: Attachment) -> None:
    """Point the row at the file with these bytes, writing it unless it is there already."""
    path = default_storage.generate_filename(attachment_path(row, each.name))
    if default_storage.exists(path) and default_storage.size(path) == len(each.data):
        row.file.name = path
    else:
        row.file.save(each.name, ContentFile(each.data), save=False)


def forget_attachments(article_ids) -> None:
    """Delete the rows of these releases' attachments and, once that is committed, each file no
    other release still shares (deleted earlier, a rolled-back removal would leave rows without files)."""
    rows = list(ArticleAttachment.objects.filter(article_id__in=article_ids).values_list("pk", "file"))
    ArticleAttachment.objects.filter(pk__in=[pk for pk, _ in rows]).delete()
    names = {name for _, name in rows if name}
    transaction.on_commit(lambda: _delete_unshared(names))


def _delete_unshared(names) -> None:
    for name in names:
        if not ArticleAttachment.objects.with_file(name).exists():
            default_storage.delete(name)
