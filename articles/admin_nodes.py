"""The nodes that keep a search index, in the admin: how far behind each one is, as it last said."""

from datetime import timedelta

from django.conf import settings
from django.contrib import admin
from django.utils import timezone

from .models import IndexChange, IndexNode
from .search import REPORT_INTERVAL_SECONDS

# A node reports every few seconds while its web workers run; silent this long, it is taken for down.
SILENT_AFTER = timedelta(seconds=max(60, 6 * REPORT_INTERVAL_SECONDS))


@admin.register(IndexNode)
class IndexNodeAdmin(admin.ModelAdmin):
    list_display = ["name", "state", "unapplied", "lag", "generation", "position", "last_seen"]
    readonly_fields = list_display
    fields = list_display

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "subtitle": f"{IndexChange.objects.count():,} entries in the change log; "
            f"a node answers /healthz 503 past {settings.PRESSROOM_MAX_INDEX_LAG_SECONDS:g} s of lag",
        }
        return super().changelist_view(request, extra_context)

    @admin.display(description="state")
    def state(self, node):
        if timezone.now() - node.last_seen > SILENT_AFTER:
            return "silent (down?)"
        if node.lag_seconds > settings.PRESSROOM_MAX_INDEX_LAG_SECONDS:
            return "behind: out of the load balancer"
        return "following" if node.unapplied else "up to date"

    @admin.display(description="lag", ordering="lag_seconds")
    def lag(self, node):
        return f"{node.lag_seconds:.1f} s"

    @admin.display(description="position in the log")
    def position(self, node):
        return f"{node.transaction}:{node.change}"

    def has_add_permission(self, request):
        return False  # nodes add themselves by reporting

    def has_change_permission(self, request, obj=None):
        return False  # a node deleted here (one retired for good) stops holding back pruning
