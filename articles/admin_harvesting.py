"""Harvesting sources in the admin: registering a feed or sitemap, and seeing how its polls go."""

import ipaddress
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from .harvesting.addresses import source_address
from .harvesting.fetching import is_public
from .harvesting.scheduling import queue_polls
from .models import HarvestSource


class HarvestSourceForm(forms.ModelForm):
    url = forms.URLField(
        label="URL",
        max_length=1000,
        assume_scheme="https",
        help_text=HarvestSource._meta.get_field("url").help_text,
    )

    class Meta:
        model = HarvestSource
        fields = ["name", "url", "interval", "countries", "active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https"):
            raise forms.ValidationError("Enter an http:// or https:// address.")
        if not settings.PRESSROOM_HARVEST_ALLOW_PRIVATE_ADDRESSES and _names_a_private_address(
            parts.hostname
        ):
            raise forms.ValidationError(
                f"{parts.hostname} is a private or local address; "
                "Pressroom fetches only from public addresses."
            )
        url = source_address(url)
        self.instance.url = url
        other = self.instance.registered_as()
        if other is not None:
            raise forms.ValidationError(
                f"This address is registered already, as the source “{other.name}” ({other.url})."
            )
        return url


def _names_a_private_address(host: str | None) -> bool:
    """Whether the host, as written, is a private or local one (a name's addresses are checked at each
    poll, where they are connected to)."""
    host = (host or "").strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return not is_public(host)


class FailingFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("failing", "Failing"), ("ok", "OK")]

    def queryset(self, request, queryset):
        if self.value() == "failing":
            return queryset.failing()
        if self.value() == "ok":
            return queryset.filter(failing_since__isnull=True)
        return queryset


@admin.register(HarvestSource)
class HarvestSourceAdmin(admin.ModelAdmin):
    form = HarvestSourceForm
    list_display = ["name", "url", "state", "next_poll", "last_polled", "last_batch"]
    list_filter = [FailingFilter, "active"]
    search_fields = ["name", "url"]
    autocomplete_fields = ["countries"]
    readonly_fields = ["kind", "state", "last_polled", "next_poll", "last_batch"]
    actions = ["poll_now"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(last_batch_id=Max("batches__pk"))

    @admin.display(description="State")
    def state(self, source):
        if source.failing_since:
            return format_html(
                "<strong>failing since {}</strong> ({} poll{} in a row): {}",
                date_format(timezone.localtime(source.failing_since), "DATETIME_FORMAT"),
                source.failures,
                "s" if source.failures != 1 else "",
                source.last_error,
            )
        if not source.active:
            return "paused"
        return "ok" if source.last_polled else "not polled yet"

    @admin.display(description="Last batch")
    def last_batch(self, source):
        batch_id = (
            getattr(source, "last_batch_id", None)
            or source.batches.order_by("-pk").values_list("pk", flat=True).first()
        )
        if not batch_id:
            return "—"
        return format_html(
            '<a href="{}">Import {}</a>',
            reverse("admin:articles_importbatch_change", args=[batch_id]),
            batch_id,
        )

    @admin.action(description="Poll the selected sources now")
    def poll_now(self, request, queryset):
        queued = queue_polls(HarvestSource.objects.filter(pk__in=queryset.values("pk")))
        held = queryset.count() - len(queued)
        self.message_user(
            request,
            f"{len(queued)} source{'s' if len(queued) != 1 else ''} queued for a poll"
            + (f"; {held} being polled already." if held else "."),
            messages.SUCCESS,
        )
