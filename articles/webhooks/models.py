"""Who is told of which search by webhook, and each POST owed or made."""

import secrets
import uuid

from django.db import models

SIGNATURE_HELP = (
    "Each POST carries X-Pressroom-Timestamp (Unix seconds) and X-Pressroom-Signature: "
    'sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed with this secret>. Receivers should '
    "recompute it, compare in constant time, refuse timestamps more than five minutes old (replay), "
    "and drop a repeated X-Pressroom-Delivery id (a delivery may be sent again after a crash)."
)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class Webhook(models.Model):
    """One receiver's address following one search, kept as the alerts' canonical query string."""

    name = models.CharField(max_length=100)
    url = models.URLField("target URL", max_length=2000)
    query = models.TextField(
        "search", blank=True, help_text="The search, as the query string of its page (without page or sort)."
    )
    secret = models.CharField(max_length=64, default=new_secret, editable=False, help_text=SIGNATURE_HELP)
    active = models.BooleanField(default=True)
    paused_reason = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    objects = WebhookQuerySet.as_manager()

    def __str__(self):
        return self.name


class WebhookDelivery(models.Model):
    """One release (as of one version) POSTed to one webhook, once; retried until it is delivered.
    Or a test POST the staff asked for in the admin, sent once at once and kept for the log."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Given up"
        SKIPPED = "skipped", "Not sent (release withdrawn)"

    class Kind(models.TextChoices):
        RELEASE = "release", "Release"
        TEST = "test", "Test"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.RELEASE)
    # None for a test delivery.
    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    version = models.PositiveIntegerField()
    # Sent as X-Pressroom-Delivery, the same on every attempt: receivers de-duplicate on it.
    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    queued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["webhook", "article", "version"], name="one_webhook_delivery_per_version"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        if self.kind == self.Kind.TEST:
            return f"{self.webhook} test ({self.status})"
        return f"{self.webhook} #{self.article_id} v{self.version} ({self.status})"
