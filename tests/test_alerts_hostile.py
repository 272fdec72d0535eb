"""Hostile input to the alert pages and tokens: never a 500, never a subscription made by a forgery."""

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from articles.alerts import tokens
from articles.alerts.models import Delivery, Subscription
from articles.history import record_version

from . import test_alerts
from .alert_helpers import beat, path_of, send_digests_now, waits_between_attempts
from .test_alerts import ask, parts, subscribe

capture = test_alerts.capture  # a fixture

pytestmark = pytest.mark.django_db

# What a URL path segment can carry, and the characters of real tokens, mixed.
token_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_-.=", max_size=300),
)


@given(token=token_text)
def test_token_readers_refuse_anything_not_signed_by_us(token):
    assert tokens.read_subscription_token(tokens.CONFIRM, token, max_age_seconds=3600) is None
    assert tokens.read_subscription_token(tokens.UNSUBSCRIBE, token) is None
    assert tokens.read_manage_token(token) is None
    assert tokens.read_digest_token(token) is None


def test_a_token_of_one_kind_is_no_token_of_another(db):
    subscription = Subscription.objects.create(email="a@example.org", query="q=trade")
    manage = tokens.manage_token("a@example.org")
    unsubscribe = tokens.subscription_token(tokens.UNSUBSCRIBE, subscription)
    assert tokens.read_subscription_token(tokens.CONFIRM, unsubscribe) is None
    assert tokens.read_manage_token(unsubscribe) is None
    assert tokens.read_subscription_token(tokens.UNSUBSCRIBE, manage) is None
    assert tokens.read_subscription_token(tokens.UNSUBSCRIBE, unsubscribe).subscription_id == subscription.pk


def _safe_segment(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="") or "x"


@given(token=token_text, method=st.sampled_from(["get", "post"]))
def test_link_pages_answer_hostile_tokens_without_error(client, token, method):
    for page in ("confirm", "manage", "unsubscribe"):
        response = getattr(client, method)(f"/alerts/{page}/{_safe_segment(token)}/")
        assert response.status_code in (404,), (page, token)


@given(
    email=st.text(max_size=400),
    frequency=st.text(max_size=20) | st.sampled_from(["immediate", "daily", "weekly"]),
    query=st.dictionaries(
        st.sampled_from(["q", "country", "countries", "from", "to", "sort", "page", "x"]),
        st.text(max_size=400),
        max_size=6,
    ),
)
def test_the_subscribe_form_never_fails_on_hostile_input(client, email, frequency, query):
    response = client.post("/alerts/subscribe/?" + _encoded(query), {"email": email, "frequency": frequency})
    assert response.status_code in (302, 400)
    assert client.get("/alerts/subscribe/?" + _encoded(query)).status_code == 200


def _encoded(query: dict) -> str:
    from urllib.parse import urlencode

    return urlencode({key: value.replace("\x00", "") for key, value in query.items()})


@given(
    action=st.text(max_size=20) | st.sampled_from(["frequency", "pause", "resume", "delete", "delete_all"]),
    subscription=st.text(max_size=30) | st.integers().map(str),
    frequency=st.text(max_size=20),
)
def test_the_manage_page_never_fails_and_never_touches_another_address(
    client, action, subscription, frequency
):
    theirs = Subscription.objects.get_or_create(
        email="theirs@example.org", query="q=trade", defaults={"confirmed_at": timezone.now()}
    )[0]
    manage = f"/alerts/manage/{tokens.manage_token('mine@example.org')}/"
    response = client.post(manage, {"action": action, "subscription": subscription, "frequency": frequency})
    assert response.status_code == 200
    theirs_now = Subscription.objects.get(pk=theirs.pk)
    assert theirs_now.paused_at is None and theirs_now.frequency == theirs.frequency


def test_admin_lists_subscriptions_and_the_delivery_log(client, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "editor@example.org", "a long password 123")
    client.force_login(user)
    Subscription.objects.create(email="reader@example.org", query="q=trade", confirmed_at=timezone.now())
    Delivery.objects.create(
        email="reader@example.org", kind="alert", message_id="<1@x>", next_attempt_at=timezone.now()
    )
    listing = client.get("/admin/articles/subscription/?q=reader&frequency__exact=immediate")
    assert listing.status_code == 200 and b"reader@example.org" in listing.content
    assert client.get("/admin/articles/subscription/?paused_at__isempty=1").status_code == 200
    log = client.get("/admin/articles/delivery/")
    assert log.status_code == 200 and b"reader@example.org" in log.content
    delivery = Delivery.objects.get()
    assert client.get(f"/admin/articles/delivery/{delivery.pk}/change/").status_code == 200


def test_a_release_updated_twice_before_its_digest_is_listed_once(client, capture, smtp, archive):
    subscribe(client, capture, smtp, "q=fisheries", frequency="daily")
    article = archive.add("Fisheries agreement signed", "Pakistan and Oman signed a fisheries agreement.")
    beat(capture)
    for change in (" Quotas were doubled.", " The treaty was ratified."):
        with archive.committed():
            article.body += change
            article.save()
            record_version(article, how="admin edit", major=True)
        beat(capture)
    send_digests_now(capture)
    digest = smtp.messages[-1]
    text, html = parts(digest)
    assert text.count("Fisheries agreement signed") == 1 and html.count("Fisheries agreement signed") == 1
    assert "1 new release for 1 search" in digest["Subject"]
    assert "The treaty was ratified." in text  # its latest version


def test_an_address_in_other_cases_is_one_address(client, capture, smtp):
    """A stranger's inbox gets no more confirmations for their address written in capitals, and a
    reader who writes it differently the next time has one subscription, not two."""
    spellings = ["victim@example.org", "Victim@example.org", "VICTIM@Example.org", "vICTIM@example.ORG"]
    for n, email in enumerate(spellings):
        for word in ("trade", "fisheries"):
            ask(client, capture, f"q={word}", email=email, address=f"10.0.{n}.1")
    assert len(smtp.messages) == 3  # the address's limit, however it is written
    assert set(Subscription.objects.values_list("email", flat=True)) == {"victim@example.org"}
    assert Subscription.objects.count() == 2


def test_a_digests_one_click_unsubscribe_leaves_the_immediate_alerts_alone(client, capture, smtp, archive):
    """ "Unsubscribe from every search in this digest" stops the digest, not the reader's other e-mails."""
    subscribe(client, capture, smtp, "q=fisheries", frequency="daily")
    subscribe(client, capture, smtp, "q=railways", frequency="immediate")
    archive.add("Fisheries agreement signed", "Pakistan and Oman signed a fisheries agreement.")
    beat(capture)
    send_digests_now(capture)
    unsubscribe = smtp.messages[-1]["List-Unsubscribe"].strip().strip("<>")
    assert b"every search of your daily e-mails" in client.get(path_of(unsubscribe)).content
    client.__class__(enforce_csrf_checks=True).post(path_of(unsubscribe), {"List-Unsubscribe": "One-Click"})
    assert list(Subscription.objects.values_list("query", flat=True)) == ["q=railways"]
    archive.add("Railways plan", "A new railways plan was announced in Lahore.")
    beat(capture)
    assert "Railways plan" in parts(smtp.messages[-1])[0]


def test_asking_again_for_a_search_followed_already_sends_its_manage_link(client, capture, smtp):
    """The page promises an e-mail; a reader who forgot they follow the search gets one, with the
    link to change it, and the same throttle applies."""
    subscribe(client, capture, smtp, "q=fisheries", frequency="daily")
    ask(client, capture, "q=fisheries", frequency="immediate")
    reminder = smtp.messages[-1]
    assert len(smtp.messages) == 2 and "already" in reminder["Subject"]
    text, html = parts(reminder)
    assert "https://pressroom.example/alerts/manage/" in text and "/alerts/confirm/" not in text
    assert "daily" in text and "/alerts/manage/" in html
    assert Subscription.objects.get().frequency == "daily"
    for _ in range(3):
        ask(client, capture, "q=fisheries")
    assert len(smtp.messages) == 3  # three a day to an address, whatever they say


def test_the_subscribe_page_says_which_parts_of_the_search_were_ignored(client):
    """A reader who mistyped a date is told, before subscribing, that they would follow every release."""
    page = client.get("/alerts/subscribe/?q=&from=2019-13-45&country=ZZ").content.decode()
    assert "all releases" in page
    assert "The from date &#x27;2019-13-45&#x27; was not understood and was ignored" in page
    assert "Unknown country code ignored: ZZ." in page


def test_a_digests_subject_counts_a_release_of_several_searches_once(client, capture, smtp, archive):
    subscribe(client, capture, smtp, "q=fisheries", frequency="daily")
    subscribe(client, capture, smtp, "q=oman", frequency="daily")
    archive.add("Fisheries agreement signed", "Pakistan and Oman signed a fisheries agreement.")
    beat(capture)
    send_digests_now(capture)
    digest = smtp.messages[-1]
    assert len(smtp.messages) == 3  # two confirmations, one digest
    assert digest["Subject"] == "Pressroom digest: 1 new release for 2 searches"
    assert parts(digest)[0].count("Fisheries agreement signed") == 2  # under each search it matched


def test_a_mail_server_down_for_hours_pauses_nobody_and_loses_nothing(
    client, capture, smtp, archive, settings
):
    """The archive's own mail server refusing connections is no fault of the reader's address."""
    from datetime import timedelta

    from articles.alerts.sending import send_delivery

    from .smtp_server import free_port

    subscribe(client, capture, smtp, "q=fisheries")
    working_port, settings.EMAIL_PORT = settings.EMAIL_PORT, free_port()  # nothing listens there
    archive.add("Fisheries agreement signed", "Pakistan and Oman signed a fisheries agreement.")
    beat(capture)
    delivery = Delivery.objects.get(kind=Delivery.Kind.ALERT)
    waits = waits_between_attempts(delivery, 8)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING and max(waits) <= 16
    assert Subscription.objects.get().paused_at is None
    settings.EMAIL_PORT = working_port
    assert send_delivery(delivery.pk, now=delivery.next_attempt_at + timedelta(seconds=1)) == "sent"
    assert "Fisheries agreement signed" in parts(smtp.messages[-1])[0]


@pytest.mark.parametrize("email", ["reader@[127.0.0.1]", "reader@[::1]", "reader@localhost"])
def test_no_confirmation_goes_to_an_address_at_a_machine_rather_than_a_domain(client, capture, smtp, email):
    """A visitor cannot have the archive's mail server connect to an internal machine of their choosing."""
    response = ask(client, capture, "q=trade", email=email)
    assert response.status_code == 400 and b"name@example.org" in response.content
    assert not smtp.messages and not Subscription.objects.exists()
