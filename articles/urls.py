from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

from . import views
from .sitemaps import SITEMAPS

urlpatterns = [
    path("", views.search_page, name="search"),
    path("articles/<int:pk>/", views.article_page, {"slug": ""}, name="article-short"),
    path("articles/<int:pk>/<str:slug>/", views.article_page, name="article"),
    path("articles/<int:pk>/<str:slug>/versions/", views.article_versions, name="article-versions"),
    path(
        "articles/<int:pk>/<str:slug>/versions/<int:number>/", views.article_version, name="article-version"
    ),
    path(
        "articles/<int:pk>/<str:slug>/attachments/<int:attachment_pk>/<str:name>",
        views.article_attachment,
        name="article-attachment",
    ),
    path("api/search", views.api_search, name="api-search"),
    path("api/articles/<int:pk>", views.api_article, name="api-article"),
    path("api/suggest", views.api_suggest, name="api-suggest"),
    path("api/", views.api_documentation, name="api-documentation"),
    path("opensearch.xml", views.opensearch_description, name="opensearch"),
    path("healthz", views.healthz, name="healthz"),
    path("feed/", views.search_feed, name="search-feed"),
    path("export.csv", views.export_csv, name="export-csv"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path("sitemap-<section>.xml", sitemap_views.sitemap, {"sitemaps": SITEMAPS}, name="sitemap-section"),
    path("alerts/", include("articles.alerts.urls")),
    path("robots.txt", views.robots_txt, name="robots"),
]
