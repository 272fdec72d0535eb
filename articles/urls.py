from django.urls import path

from . import views

urlpatterns = [
    path("", views.search_page, name="search"),
    path("articles/<int:pk>/", views.article_page, {"slug": ""}, name="article-short"),
    path("articles/<int:pk>/<str:slug>/", views.article_page, name="article"),
    path("api/search", views.api_search, name="api-search"),
    path("api/articles/<int:pk>", views.api_article, name="api-article"),
    path("healthz", views.healthz, name="healthz"),
]
