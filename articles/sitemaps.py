"""The sitemap of every public article's permanent address, for search engines."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, OuterRef, Subquery

from .models import Article, ArticleVersion

# When readers were last told of a change (history.last_major_change), for every row in the
# one query of a sitemap page: the newest major version, found through the (article, number) index.
_LAST_MAJOR_CHANGE = Subquery(
    ArticleVersion.objects.filter(article=OuterRef("pk")).major().latest_first().values("created")[:1]
)


class ArticleSitemap(Sitemap):
    limit = 50_000  # the sitemap protocol's most per file; the index lists the files

    def items(self):
        return (
            Article.objects.public()
            .order_by("pk")
            .only("pk", "slug")
            .annotate(last_major_change=_LAST_MAJOR_CHANGE)
        )

    def lastmod(self, article):
        return article.last_major_change

    def get_latest_lastmod(self):
        """For the sitemap index, in one aggregate (Django's default would read every article)."""
        public = ArticleVersion.objects.of_public_articles().major()
        return public.aggregate(latest=Max("created"))["latest"]


SITEMAPS = {"articles": ArticleSitemap}
