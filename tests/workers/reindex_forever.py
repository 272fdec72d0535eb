"""Owe the index every article again and write them, over and over, until killed."""

from django.db import transaction  # noqa: E402

from articles.models import Article  # noqa: E402
from articles.search import apply_pending_updates, schedule_index_update  # noqa: E402

from . import setup  # noqa: F401

print("started", flush=True)
while True:
    with transaction.atomic():
        for article_id in Article.objects.values_list("pk", flat=True):
            schedule_index_update(article_id)
    apply_pending_updates(lock_timeout=30)
