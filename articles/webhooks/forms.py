"""The admin's webhook form: a search page's address (or its query string) read as the canonical
search alerts keep, and a target address in one spelling that Pressroom can POST to (targets.py)."""

from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.core.exceptions import TooManyFieldsSent, ValidationError
from django.http import QueryDict

from ..alerts.searches import canonical_query
from ..harvesting.addresses import source_address
from .models import Webhook
from .targets import address_problem, target_problem

MAX_SEARCH_LENGTH = 4000


def search_from(text: str) -> str:
    """The canonical query string of a pasted search URL or query string; ValidationError if none."""
    text = text.strip()
    if len(text) > MAX_SEARCH_LENGTH:
        raise ValidationError(f"A search is at most {MAX_SEARCH_LENGTH:,} characters.")
    try:
        query = urlsplit(text).query if "://" in text or text.startswith("/") else text.lstrip("?")
        canonical = canonical_query(QueryDict(query))
    except (ValueError, TooManyFieldsSent) as error:
        raise ValidationError("This is not a search page's address nor its query string.") from error
    if not canonical:
        raise ValidationError(
            "This names no search: paste the address of a search page (with ?q=... or ?country=...) "
            "or its query string."
        )
    return canonical


class WebhookForm(forms.ModelForm):
    url = forms.URLField(label="target URL", max_length=2000, assume_scheme="https")
    query = forms.CharField(
        label="search",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Paste the address of a search page, or its query string (q=fisheries&country=PK).",
    )

    class Meta:
        model = Webhook
        fields = ["name", "url", "query", "active", "paused_reason"]

    def clean_query(self):
        return search_from(self.cleaned_data["query"])

    def clean_url(self):
        typed = self.cleaned_data["url"].strip()
        url = source_address(typed)
        allow_private = settings.PRESSROOM_WEBHOOK_ALLOW_PRIVATE_ADDRESSES
        # As typed first, so that a message names the host as the user wrote it, not its "xn--" form.
        problem = (
            target_problem(typed) or target_problem(url) or address_problem(url, allow_private=allow_private)
        )
        if problem:
            raise ValidationError(problem)
        return url
