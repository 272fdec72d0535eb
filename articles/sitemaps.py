"""The sitemap of every article's permanent address, for search engines."""
from django.contrib.sitemaps import Sitemap

from .models import Article


class ArticleSitemap(Sitemap):
    limit = 50_000  # the sitemap protocol's most per file; the index lists the files

    def items(self):
        return Article.objects.public().order_by("pk").only("pk", "slug", "updated")

    def lastmod(self, article):
        return article.updated


SITEMAPS = {"articles": ArticleSitemap}
