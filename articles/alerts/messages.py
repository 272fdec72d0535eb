"""What each alert e-mail says: multipart text and HTML from templates/alerts/, and its headers."""

import html
from collections import defaultdict
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import strip_tags

from ..models import Article
from ..search import snippet
from . import tokens
from .models import Alert, Delivery, Subscription
from .searches import describe, search_request_of

# A week of a broad search can bring hundreds: the e-mail lists the newest this many, and links
# to the search for the rest.
MAX_RELEASES_PER_SEARCH = 50


def absolute(path: str) -> str:
    return settings.PRESSROOM_SITE_URL + path


def site_domain() -> str:
    return urlsplit(settings.PRESSROOM_SITE_URL).hostname or "localhost"


def confirm_url(subscription: Subscription) -> str:
    return absolute(reverse("alerts-confirm", args=[tokens.subscription_token(tokens.CONFIRM, subscription)]))


def manage_url(email: str) -> str:
    return absolute(reverse("alerts-manage", args=[tokens.manage_token(email)]))


def unsubscribe_url(subscription: Subscription) -> str:
    return absolute(
        reverse("alerts-unsubscribe", args=[tokens.subscription_token(tokens.UNSUBSCRIBE, subscription)])
    )


def unsubscribe_digest_url(email: str, frequencies) -> str:
    return absolute(reverse("alerts-unsubscribe", args=[tokens.digest_token(email, frequencies)]))


def search_links(query: str) -> dict:
    return {
        "description": describe(query),
        "search_url": absolute(reverse("search") + "?" + query),
        "feed_url": absolute(reverse("search-feed") + "?" + query),
    }


def confirmation_message(delivery: Delivery) -> EmailMultiAlternatives:
    subscription = delivery.subscription
    if subscription.confirmed_at is not None:
        return _following_message(delivery)
    context = {
        "confirm_url": confirm_url(subscription),
        "frequency": subscription.get_frequency_display().lower(),
        "hours": settings.PRESSROOM_ALERTS_CONFIRM_HOURS,
        **search_links(subscription.query),
    }
    return _message(
        delivery,
        subject=f"Confirm your Pressroom alert: {context['description']}"[:200],
        template="alerts/email_confirm",
        context=context,
        headers={},
    )


def _following_message(delivery: Delivery) -> EmailMultiAlternatives:
    """Asked for again, a search the address follows already: the link to change it."""
    subscription = delivery.subscription
    context = {
        "manage_url": manage_url(subscription.email),
        "frequency": subscription.get_frequency_display().lower(),
        **search_links(subscription.query),
    }
    return _message(
        delivery,
        subject=f"You already get Pressroom e-mails about: {context['description']}"[:200],
        template="alerts/email_following",
        context=context,
        headers={},
    )


def alerts_message(delivery: Delivery, alerts: list[Alert]) -> EmailMultiAlternatives:
    """An immediate alert or a digest: each search with its new releases, in the order they came."""
    by_subscription = defaultdict(list)
    listed = set()
    for alert in alerts:
        # A release updated again before its e-mail went owes one alert per version: listed once.
        if (alert.subscription_id, alert.article_id) not in listed:
            listed.add((alert.subscription_id, alert.article_id))
            by_subscription[alert.subscription].append(alert.article)
    sections = [
        {
            **search_links(subscription.query),
            "frequency": subscription.get_frequency_display().lower(),
            "unsubscribe_url": unsubscribe_url(subscription),
            "count": len(articles),
            "releases": _releases(subscription.query, articles[:MAX_RELEASES_PER_SEARCH]),
            "more": max(0, len(articles) - MAX_RELEASES_PER_SEARCH),
        }
        for subscription, articles in by_subscription.items()
    ]
    count = len({article_id for _, article_id in listed})  # a release of several searches is one
    releases = f"{count} new release{'s' if count != 1 else ''}"
    if delivery.kind == Delivery.Kind.DIGEST:
        subject = (
            f"Pressroom digest: {releases} for {len(sections)} search{'es' if len(sections) > 1 else ''}"
        )
        unsubscribe = unsubscribe_digest_url(delivery.email, {s.frequency for s in by_subscription})
    else:
        subject = f"Pressroom: {releases} for {sections[0]['description']}"
        unsubscribe = sections[0]["unsubscribe_url"]
    context = {
        "digest": delivery.kind == Delivery.Kind.DIGEST,
        "sections": sections,
        "manage_url": manage_url(delivery.email),
        "unsubscribe_url": unsubscribe,
    }
    headers = {
        # RFC 8058: mail programs offer a one-click unsubscribe that POSTs this body to the URL.
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"Pressroom alerts <alerts.{site_domain()}>",
        "Auto-Submitted": "auto-generated",
    }
    return _message(
        delivery, subject=subject[:200], template="alerts/email_releases", context=context, headers=headers
    )


def _releases(query: str, articles: list[Article]) -> list[dict]:
    wanted = search_request_of(query).query.wanted_words
    releases = []
    for article in articles:
        marked = snippet(article.body, wanted)
        releases.append(
            {
                "title": article.title,
                "published": article.published,
                "countries": [country.name for country in article.countries.all()],
                "snippet_html": marked,
                "snippet_text": html.unescape(strip_tags(marked)),
                "url": absolute(article.get_absolute_url()),
            }
        )
    return releases


def _message(delivery: Delivery, *, subject: str, template: str, context: dict, headers: dict):
    context = {**context, "site_url": settings.PRESSROOM_SITE_URL}
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string(f"{template}.txt", context),
        to=[delivery.email],
        headers={"Message-ID": delivery.message_id, **headers},
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message
