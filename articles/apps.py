from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Press releases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import (
            checks,  # noqa: F401  (registers the storage check)
            signals,  # noqa: F401  (connects the index bookkeeping)
        )
        from .alerts import signals as alert_signals  # noqa: F401  (new releases owe alert matching)
