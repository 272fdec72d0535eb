"""A new release or a major update owes matching against the subscriptions, recorded in its own
transaction, so a process that dies after the commit loses nothing (the worker matches it)."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from ..models import ArticleVersion
from .models import PendingAlertMatch


@receiver(post_save, sender=ArticleVersion)
def version_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        owe_alert_matching([instance])


def owe_alert_matching(versions: list[ArticleVersion]) -> None:
    """Record the matching the new versions owe; a bulk insert of versions, which `save` does not
    see, calls this itself."""
    PendingAlertMatch.objects.bulk_create(
        PendingAlertMatch(article_id=version.article_id, version=version.number)
        for version in versions
        if version.major  # a minor edit (a typo) never alerts anyone
    )
