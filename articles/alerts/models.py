"""What subscribers asked for, what each release owes them, and what was sent."""

import hashlib
import secrets

from django.db import models


def new_nonce() -> str:
    return secrets.token_urlsafe(12)


def search_key(query: str) -> str:
    """A digest of the canonical query: unique per address and indexable, where a long query is not
    (PostgreSQL refuses index entries over about 2,700 bytes)."""
    return hashlib.sha256(query.encode()).hexdigest()


class SubscriptionQuerySet(models.QuerySet):
    def active(self):
        """Confirmed and not paused: the subscriptions that are sent alerts."""
        return self.filter(confirmed_at__isnull=False, paused_at__isnull=True)

    def of_address(self, email: str):
        return self.filter(email=email)


class Subscription(models.Model):
    """One address following one search, written as the search page's canonical query string."""

    class Frequency(models.TextChoices):
        IMMEDIATE = "immediate", "Immediately"
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"

    email = models.EmailField(max_length=254, db_index=True)
    query = models.TextField(help_text="The search, as the query string of its page (without page or sort).")
    search_key = models.CharField(max_length=64, editable=False)
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.IMMEDIATE)
    created = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    pause_reason = models.CharField(max_length=500, blank=True)
    # Part of every token of this subscription: a new nonce makes its old links invalid.
    nonce = models.CharField(max_length=32, default=new_nonce)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["email", "search_key"], name="one_subscription_per_search")
        ]

    def save(self, *args, **kwargs):
        self.search_key = search_key(self.query)
        if kwargs.get("update_fields") is not None and "query" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_key"}
        super().save(*args, **kwargs)

    def __str__(self):
        return f"{self.email}: ?{self.query}"


class ConfirmationRequest(models.Model):
    """A confirmation e-mail asked for, counted by throttling.py."""

    email = models.EmailField(max_length=254)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    sent = models.BooleanField(default=False, help_text="False when throttling refused it.")

    class Meta:
        indexes = [
            models.Index(fields=["email", "created"]),
            models.Index(fields=["client_address", "created"]),
        ]


class PendingAlertMatch(models.Model):
    """A new release, or a major update, owed matching against the subscriptions; written with its
    version, in the same transaction, so a crash never loses it."""

    article_id = models.BigIntegerField()
    version = models.PositiveIntegerField()
    queued = models.DateTimeField(auto_now_add=True, db_index=True)


class Delivery(models.Model):
    """One e-mail: a confirmation, an immediate alert, or a digest; sent exactly once."""

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", "Confirmation"
        ALERT = "alert", "Immediate alert"
        DIGEST = "digest", "Digest"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Given up"

    email = models.EmailField(max_length=254, db_index=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    # The digest's day, once per address: a second digest that day waits for the next.
    digest_of = models.DateField(null=True, blank=True)
    message_id = models.CharField(max_length=255, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    queued_at = models.DateTimeField(null=True, blank=True, help_text="When a send task was last queued.")
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["email", "digest_of"],
                condition=models.Q(digest_of__isnull=False),
                name="one_digest_per_address_and_day",
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.email} ({self.status})"


class Alert(models.Model):
    """A release (as of one version) owed to a subscription; its delivery, once given one, sends it."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="alerts")
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    created = models.DateTimeField(auto_now_add=True)
    delivery = models.ForeignKey(
        Delivery, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "article", "version"], name="one_alert_per_release_version"
            )
        ]
