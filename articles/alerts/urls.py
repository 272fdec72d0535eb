from django.urls import path

from . import views

urlpatterns = [
    path("subscribe/", views.subscribe, name="alerts-subscribe"),
    path("check-your-inbox/", views.check_inbox, name="alerts-check-inbox"),
    path("confirm/<str:token>/", views.confirm, name="alerts-confirm"),
    path("manage/<str:token>/", views.manage, name="alerts-manage"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="alerts-unsubscribe"),
]
