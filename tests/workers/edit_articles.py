"""Edit the given articles round-robin, `edits` times in all, each edit its own transaction."""

import sys

from django.db import transaction

from articles.models import Article


def main(worker: str, edits: int, article_ids: list[int]):
    for number in range(edits):
        article_id = article_ids[number % len(article_ids)]
        with transaction.atomic():
            article = Article.objects.get(pk=article_id)
            article.body = f"Edited by worker{worker} as edit{number} of the test. Kenya."
            article.save()
    print("done")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), [int(i) for i in sys.argv[3].split(",")])
