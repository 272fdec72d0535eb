"""E-mail alerts in the admin: who follows which search, and the log of what was sent.

Read-only but for pausing and resuming: subscribers change their own subscriptions from the
links in their e-mails, and a delivery's record is what proves it was sent once.
"""

from django.contrib import admin
from django.db.models import Count
from django.utils import timezone

from .models import Delivery, Subscription


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Subscription)
class SubscriptionAdmin(_ReadOnly):
    list_display = ["email", "query", "frequency", "created", "confirmed_at", "paused_at", "pause_reason"]
    list_filter = [
        "frequency",
        ("confirmed_at", admin.EmptyFieldListFilter),
        ("paused_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["email"]
    readonly_fields = ["email", "query", "frequency", "created", "confirmed_at", "paused_at", "pause_reason"]
    exclude = ["nonce", "search_key"]
    actions = ["pause", "resume"]

    @admin.action(description="Pause the selected subscriptions", permissions=["delete"])
    def pause(self, request, queryset):
        paused = queryset.filter(paused_at__isnull=True).update(
            paused_at=timezone.now(), pause_reason="Paused by the archive's staff."
        )
        self.message_user(request, f"{paused} paused.")

    @admin.action(description="Resume the selected subscriptions", permissions=["delete"])
    def resume(self, request, queryset):
        self.message_user(request, f"{queryset.update(paused_at=None, pause_reason='')} resumed.")


@admin.register(Delivery)
class DeliveryAdmin(_ReadOnly):
    list_display = [
        "created",
        "email",
        "kind",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["email", "message_id"]
    date_hierarchy = "created"
    readonly_fields = [*(field.name for field in Delivery._meta.fields), "releases"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(release_count=Count("alerts"))

    @admin.display(description="releases", ordering="release_count")
    def releases(self, delivery):
        return delivery.release_count

    def has_delete_permission(self, request, obj=None):
        return False  # the record that an e-mail was sent is what keeps it from being sent twice
