"""A new release or a major update owes matching against the subscriptions, recorded in its own
transaction, so a process that dies after the commit loses nothing (the worker matches it)."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from ..models import ArticleVersion
from .models import PendingAlertMatch


@receiver(post_save, sender=ArticleVersion)
def version_saved(sender, instance, created, raw=False, **kwargs):
    if created and instance.major and not raw:  # a minor edit (a typo) never alerts anyone
        PendingAlertMatch.objects.create(article_id=instance.article_id, version=instance.number)
