"""The alert pages: HTTP in, a service call, a page out."""

from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from pressroom.client_address import client_address

from . import subscribing, tokens
from .forms import ManageForm, SubscribeForm
from .models import Subscription
from .searches import canonical_query, describe, ignored_parts

_INVALID_LINK = "This link is not valid, or it has expired."


@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request):
    """GET: the form for the search in the query string; POST: ask for the confirmation e-mail."""
    query = canonical_query(request.GET)
    form = SubscribeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        subscribing.request_subscription(
            email=form.cleaned_data["email"],
            query=query,
            frequency=form.cleaned_data["frequency"],
            client_address=client_address(request),
        )
        return HttpResponseRedirect(reverse("alerts-check-inbox"))
    context = {
        "form": form,
        "query": query,
        "description": describe(query),
        "notes": ignored_parts(request.GET),
    }
    return render(request, "alerts/subscribe.html", context, status=400 if form.is_bound else 200)


@require_http_methods(["GET", "HEAD"])
def check_inbox(request):
    """The same page whether the address was known, new, or throttled."""
    return render(request, "alerts/check_inbox.html", {"hours": settings.PRESSROOM_ALERTS_CONFIRM_HOURS})


@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token):
    """GET shows a button (mail scanners follow links; they do not press buttons); POST confirms."""
    subscription = subscribing.confirmable(token)
    if subscription is None:
        return _invalid(request)
    if request.method == "POST":
        subscribing.confirm(subscription)
        return HttpResponseRedirect(reverse("alerts-manage", args=[_manage_token(subscription.email)]))
    return render(request, "alerts/confirm.html", {"description": describe(subscription.query)})


@require_http_methods(["GET", "HEAD", "POST"])
def manage(request, token):
    email = tokens.read_manage_token(token)
    if email is None:
        return _invalid(request)
    message = ""
    if request.method == "POST":
        form = ManageForm(request.POST)
        message = _apply(form, email) if form.is_valid() else "That change was not understood."
    subscriptions = [
        {"subscription": subscription, "description": describe(subscription.query)}
        for subscription in subscribing.subscriptions_of(email)
    ]
    context = {"email": email, "subscriptions": subscriptions, "message": message}
    return render(request, "alerts/manage.html", context)


@csrf_exempt  # RFC 8058: mail programs POST "List-Unsubscribe=One-Click" here, with no form of ours
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    """GET asks to confirm with a button; POST (the button, or a mail program's one click) unsubscribes."""
    subscription = subscribing.unsubscribable(token)
    digest = tokens.read_digest_token(token) if subscription is None else None
    if subscription is None and digest is None:
        if subscribing.is_unsubscribe_link(token):
            # Unsubscribed already: a mail program retries its one-click POST, a reader clicks twice.
            return render(request, "alerts/unsubscribed.html")
        return _invalid(request)
    if request.method == "POST":
        if subscription is not None:
            subscribing.unsubscribe(subscription)
        else:
            subscribing.unsubscribe_digest(digest)
        return render(request, "alerts/unsubscribed.html")
    description = describe(subscription.query) if subscription else _digest_description(digest)
    return render(request, "alerts/unsubscribe.html", {"description": description})


def _apply(form: ManageForm, email: str) -> str:
    data = form.cleaned_data
    action, pk = data["action"], data.get("subscription")
    if action == "delete_all":
        subscribing.delete_all(email=email)
        return "Every subscription of yours was deleted; you will get no more alerts."
    if pk is None:
        return "That change was not understood."
    if action == "frequency" and data.get("frequency"):
        done = subscribing.change_frequency(email=email, subscription_id=pk, frequency=data["frequency"])
        return "How often you get it was changed." if done else "That subscription no longer exists."
    if action == "pause":
        return "Paused." if subscribing.pause(email=email, subscription_id=pk) else "It was paused already."
    if action == "resume":
        return (
            "Resumed."
            if subscribing.resume(email=email, subscription_id=pk)
            else "That subscription no longer exists."
        )
    if action == "delete":
        return (
            "Deleted." if subscribing.delete(email=email, subscription_id=pk) else "It was deleted already."
        )
    return "That change was not understood."


def _digest_description(digest: tokens.DigestToken) -> str:
    labels = dict(Subscription.Frequency.choices)
    names = " and ".join(labels.get(frequency, frequency).lower() for frequency in digest.frequencies)
    return f"every search of your {names} e-mails"


def _manage_token(email: str) -> str:
    return tokens.manage_token(email)


def _invalid(request):
    return render(request, "alerts/invalid_link.html", {"message": _INVALID_LINK}, status=404)
