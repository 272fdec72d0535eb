"""Owe the index every article again and write them, over and over, until killed.

While a commit of the index is under way the file named by the first argument exists, so that
the test can stop this process inside one (and kill it there) and know that it did.
"""

import sys
from pathlib import Path

from django.db import transaction
from whoosh.writing import SegmentWriter

from articles.models import Article
from articles.search import apply_pending_updates, schedule_index_update

MID_COMMIT = Path(sys.argv[1])
_commit = SegmentWriter.commit


def _marked_commit(self, *args, **kwargs):
    MID_COMMIT.touch()
    _commit(self, *args, **kwargs)
    MID_COMMIT.unlink()


SegmentWriter.commit = _marked_commit

print("started", flush=True)
while True:
    with transaction.atomic():
        for article_id in Article.objects.values_list("pk", flat=True):
            schedule_index_update(article_id)
    apply_pending_updates(lock_timeout=30)
