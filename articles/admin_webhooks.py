"""Webhooks in the admin: register a receiver for a search, see its secret, test it, pause it,
read its log."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from .webhooks.forms import WebhookForm
from .webhooks.models import SIGNATURE_HELP, Webhook, WebhookDelivery
from .webhooks.sending import send_test_delivery

MOST_TESTED_AT_ONCE = 5  # each may wait PRESSROOM_WEBHOOK_TIMEOUT_SECONDS, in the admin's request


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    form = WebhookForm
    list_display = ["name", "url", "query", "active", "paused_reason", "created"]
    list_filter = ["active"]
    search_fields = ["name", "url"]
    actions = ["send_test", "pause", "resume"]

    def get_readonly_fields(self, request, obj=None):
        return ["secret", "created", "delivery_log"] if obj else []

    @admin.display(description="secret")
    def secret(self, webhook):
        return format_html("<code>{}</code><p class='help'>{}</p>", webhook.secret, SIGNATURE_HELP)

    @admin.display(description="deliveries")
    def delivery_log(self, webhook):
        url = reverse("admin:articles_webhookdelivery_changelist") + f"?webhook__id__exact={webhook.pk}"
        return format_html('<a href="{}">{} deliveries</a>', url, webhook.deliveries.count())

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(request, f"The secret of {obj.name} is {obj.secret} (also on its page).")
        return super().response_add(request, obj, post_url_continue)

    @admin.action(description="Send a test delivery to the selected webhooks")
    def send_test(self, request, queryset):
        """A signed sample POSTed now, paused webhooks too, each one's outcome shown and logged."""
        if queryset.count() > MOST_TESTED_AT_ONCE:
            self.message_user(
                request, f"Select at most {MOST_TESTED_AT_ONCE} webhooks to test at once.", messages.ERROR
            )
            return
        for webhook in queryset.order_by("name", "pk"):
            delivery = send_test_delivery(webhook)
            if delivery.status == WebhookDelivery.Status.DELIVERED:
                code = delivery.last_status_code
                self.message_user(
                    request,
                    f"{webhook.name}: the test was delivered (the receiver answered {code}).",
                    messages.SUCCESS,
                )
            else:
                text = f"{webhook.name}: the test was not delivered. {delivery.last_error}"
                self.message_user(request, text, messages.ERROR)

    @admin.action(description="Pause the selected webhooks")
    def pause(self, request, queryset):
        paused = queryset.filter(active=True).update(active=False, paused_reason="Paused by the staff.")
        self.message_user(request, f"{paused} paused.")

    @admin.action(description="Resume the selected webhooks")
    def resume(self, request, queryset):
        self.message_user(request, f"{queryset.update(active=True, paused_reason='')} resumed.")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created",
        "webhook",
        "kind",
        "article",
        "version",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "kind", "webhook"]
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
