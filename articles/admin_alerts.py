"""E-mail alerts in the admin: who follows which search, and the log of what was sent.

Read-only but for pausing and resuming: subscribers change their own subscriptions from the
links in their e-mails, and a delivery's record is what proves it was sent once. The log says in
words where each e-mail stands: an e-mail being retried or given up never reads as merely waiting.
"""

from django.contrib import admin
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.text import Truncator

from .alerts.sending import sending_lapses_after
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


class DeliveryStatusFilter(admin.SimpleListFilter):
    """Where e-mails stand, with the ones retried apart from the ones not tried yet."""

    title = "status"
    parameter_name = "state"
    STATES = {
        "waiting": ("Waiting to be sent", Q(status=Delivery.Status.PENDING, attempts=0)),
        "retrying": ("Failed, to be retried", Q(status=Delivery.Status.PENDING, attempts__gt=0)),
        "sending": ("Being sent", Q(status=Delivery.Status.SENDING)),
        "sent": ("Sent", Q(status=Delivery.Status.SENT)),
        "given_up": ("Given up", Q(status=Delivery.Status.FAILED)),
    }

    def lookups(self, request, model_admin):
        return [(state, label) for state, (label, _) in self.STATES.items()]

    def queryset(self, request, queryset):
        state = self.STATES.get(self.value())
        return queryset if state is None else queryset.filter(state[1])


@admin.register(Delivery)
class DeliveryAdmin(_ReadOnly):
    list_display = ["created", "email", "kind", "state", "attempts", "error", "sent_at", "subscriptions"]
    list_filter = [DeliveryStatusFilter, "kind"]
    search_fields = ["email", "message_id"]
    date_hierarchy = "created"
    readonly_fields = [*(field.name for field in Delivery._meta.fields), "releases", "subscriptions"]

    def get_queryset(self, request):
        paused = Subscription.objects.filter(email=OuterRef("email"), paused_at__isnull=False)
        return (
            super()
            .get_queryset(request)
            .annotate(release_count=Count("alerts"), pause_reason=Subquery(paused.values("pause_reason")[:1]))
        )

    @admin.display(description="status", ordering="status")
    def state(self, delivery):
        attempts = f"{delivery.attempts} attempt{'' if delivery.attempts == 1 else 's'}"
        if delivery.status == Delivery.Status.FAILED:
            return f"Given up after {attempts}"
        if delivery.status == Delivery.Status.SENDING:
            if delivery.claimed_at < timezone.now() - sending_lapses_after():
                return "Left unfinished by a stopped worker: sent again, or given up, at the next beat"
            return "Being sent"
        if delivery.status == Delivery.Status.PENDING and delivery.attempts:
            retry_at = timezone.localtime(delivery.next_attempt_at)
            return f"Failed ({attempts}), retried at {retry_at:%Y-%m-%d %H:%M}"
        return delivery.get_status_display()

    @admin.display(description="last error")
    def error(self, delivery):
        return Truncator(delivery.last_error).chars(200)

    @admin.display(description="the address's subscriptions")
    def subscriptions(self, delivery):
        if delivery.pause_reason is None:
            return "Not paused"
        return f"Paused: {delivery.pause_reason}" if delivery.pause_reason else "Paused"

    @admin.display(description="releases", ordering="release_count")
    def releases(self, delivery):
        return delivery.release_count

    def has_delete_permission(self, request, obj=None):
        return False  # the record that an e-mail was sent is what keeps it from being sent twice
