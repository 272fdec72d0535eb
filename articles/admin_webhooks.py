"""Webhooks in the admin: register a receiver for a search, see its secret, pause it, read its log."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from .webhooks.forms import WebhookForm
from .webhooks.models import SIGNATURE_HELP, Webhook, WebhookDelivery


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    form = WebhookForm
    list_display = ["name", "url", "query", "active", "paused_reason", "created"]
    list_filter = ["active"]
    search_fields = ["name", "url"]
    actions = ["pause", "resume"]

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
        "article",
        "version",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "webhook"]
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
