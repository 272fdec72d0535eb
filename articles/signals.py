"""Every change to an article is recorded in the change log the indexes follow, in the same transaction."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .models import Article, IndexChange
from .search import schedule_index_update


@receiver(post_save, sender=Article)
def article_saved(sender, instance, **kwargs):
    schedule_index_update(instance.pk)


@receiver(post_delete, sender=Article)
def article_deleted(sender, instance, **kwargs):
    schedule_index_update(instance.pk, IndexChange.Kind.REMOVED)


@receiver(m2m_changed, sender=Article.countries.through)
def article_countries_changed(sender, instance, action, pk_set, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if isinstance(instance, Article):
        schedule_index_update(instance.pk)
    else:  # changed from the country's side: every article touched owes an update
        for article_id in pk_set or ():
            schedule_index_update(article_id)
