"""Webhooks end to end, against a real receiver on 127.0.0.1: register in the admin, import, POST."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from articles.history import record_version
from articles.webhooks import sending
from articles.webhooks.forms import search_from
from articles.webhooks.models import Webhook, WebhookDelivery

from .alert_helpers import beat
from .webhook_receiver import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    def captured(**kwargs):
        return django_capture_on_commit_callbacks(**kwargs)

    return captured


@pytest.fixture
def receiver(settings):
    settings.PRESSROOM_SITE_URL = "https://pressroom.example"
    server = Receiver()
    yield server
    server.stop()


def register(admin_client, receiver, search="https://pressroom.example/?q=fisheries&page=2", url=None):
    response = admin_client.post(
        "/admin/articles/webhook/add/",
        {
            "name": "Newsdesk",
            "url": url or receiver.url,
            "query": search,
            "active": "on",
            "paused_reason": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    webhook = Webhook.objects.get()
    receiver.secret = webhook.secret
    return webhook


def retry_all(times=10):
    """Run every delivery again as if its back-off had passed, each up to `times` times."""
    clock = timezone.now()
    for _ in range(times):
        clock += timedelta(hours=2)
        for pk in WebhookDelivery.objects.values_list("pk", flat=True):
            sending.send_webhook_delivery(pk, now=clock)


def test_a_matching_release_is_posted_once_signed_with_the_api_json(admin_client, receiver, archive, capture):
    webhook = register(admin_client, receiver)
    assert webhook.query == "q=fisheries"
    assert len(webhook.secret) >= 40
    article = archive.add("Fisheries agreement signed", "Pakistan and Oman signed a fisheries agreement.")
    archive.add("Railways plan", "A new railways plan was announced in Lahore.")
    beat(capture)
    assert len(receiver.posts) == 1
    post = receiver.posts[0]
    assert post["valid"]
    assert post["headers"]["Content-Type"] == "application/json"
    assert post["headers"]["User-Agent"] == "Pressroom-Webhooks/1.0"
    body = json.loads(post["body"])
    api = admin_client.get(f"/api/articles/{article.pk}").json()
    assert body["event"] == "article.published" and body["webhook"] == "Newsdesk"
    assert body["search"] == "https://pressroom.example/?q=fisheries"
    assert body["title"] == api["title"] and body["body"] == api["body"] and body["id"] == article.pk
    delivery = WebhookDelivery.objects.get()
    assert post["headers"]["X-Pressroom-Delivery"] == str(delivery.delivery_id)
    assert delivery.status == "delivered" and delivery.attempts == 1 and delivery.last_status_code == 200
    beat(capture)
    assert len(receiver.posts) == 1  # never again


def test_a_release_matching_nothing_sends_nothing(admin_client, receiver, archive, capture):
    register(admin_client, receiver)
    archive.add("Railways plan", "A new railways plan was announced in Lahore.")
    beat(capture)
    assert receiver.posts == [] and not WebhookDelivery.objects.exists()


def test_failing_twice_then_delivered_exactly_once(admin_client, receiver, archive, capture):
    register(admin_client, receiver)
    receiver.answers = [(500, 0, {}), (503, 0, {})]
    archive.add("Fisheries agreement signed", "Pakistan and Oman signed a fisheries agreement.")
    beat(capture)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and delivery.last_status_code == 500 and delivery.attempts == 1
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=50)  # back-off: not at once
    beat(capture)
    assert len(receiver.posts) == 1
    retry_all()
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 3
    assert len(receiver.posts) == 3 and all(post["valid"] for post in receiver.posts)
    assert len({post["headers"]["X-Pressroom-Delivery"] for post in receiver.posts}) == 1


def test_a_timeout_counts_as_a_failure(admin_client, receiver, archive, capture):
    register(admin_client, receiver)
    receiver.answers = [(200, 2, {})]  # beyond the tests' 0.5 s timeout
    archive.add("Fisheries agreement signed", "Pakistan and Oman signed a fisheries agreement.")
    beat(capture)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and "no answer" in delivery.last_error
    retry_all(1)
    delivery.refresh_from_db()
    assert delivery.status == "delivered"


def test_a_receiver_that_never_succeeds_fails_and_pauses_the_webhook(
    admin_client, receiver, archive, capture, monkeypatch
):
    monkeypatch.setattr(sending, "PAUSE_AFTER_FAILED", 1)
    webhook = register(admin_client, receiver)
    receiver.answers = [(500, 0, {})] * 20
    archive.add("Fisheries agreement signed", "Pakistan and Oman signed a fisheries agreement.")
    beat(capture)
    retry_all()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed" and delivery.attempts == sending.MAX_ATTEMPTS
    webhook.refresh_from_db()
    assert not webhook.active and "given up" in webhook.paused_reason
    log = admin_client.get("/admin/articles/webhookdelivery/?status=failed")
    assert log.status_code == 200 and b"Newsdesk" in log.content


def test_a_minor_edit_sends_nothing_and_a_major_one_is_an_update(admin_client, receiver, archive, capture):
    article = archive.add("Fisheries agreement signed", "Pakistan and Oman signed a fisheries agreement.")
    beat(capture)
    register(admin_client, receiver)
    with archive.committed():
        article.body += " It takes effect in May."
        article.save()
        record_version(article, how="admin edit", major=False)
    beat(capture)
    assert receiver.posts == []
    with archive.committed():
        article.body += " Quotas were doubled."
        article.save()
        record_version(article, how="admin edit", major=True)
    beat(capture)
    assert len(receiver.posts) == 1 and json.loads(receiver.posts[0]["body"])["event"] == "article.updated"


def test_a_redirect_is_not_followed(admin_client, receiver, archive, capture):
    register(admin_client, receiver)
    receiver.answers = [(302, 0, {"Location": "javascript:alert(1)"})]
    archive.add("Fisheries agreement signed", "Pakistan and Oman signed a fisheries agreement.")
    beat(capture)
    delivery = WebhookDelivery.objects.get()
    assert len(receiver.posts) == 1 and delivery.status == "pending" and delivery.last_status_code == 302


def test_a_private_address_is_refused_unless_allowed(admin_client, receiver, archive, capture, settings):
    settings.PRESSROOM_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    register(admin_client, receiver)
    archive.add("Fisheries agreement signed", "Pakistan and Oman signed a fisheries agreement.")
    beat(capture)
    delivery = WebhookDelivery.objects.get()
    assert receiver.posts == [] and "private or local" in delivery.last_error


def test_the_admin_refuses_a_non_web_target_and_a_non_search(admin_client, receiver):
    response = admin_client.post(
        "/admin/articles/webhook/add/",
        {"name": "x", "url": "ftp://example.org/", "query": "hello", "active": "on"},
    )
    assert response.status_code == 200 and not Webhook.objects.exists()
    assert b"names no search" in response.content


@given(st.text(max_size=300))
def test_hostile_search_text_is_a_search_or_a_form_error(admin_client, text):
    response = admin_client.post(
        "/admin/articles/webhook/add/",
        {"name": "Fuzz", "url": "https://hooks.example.org/", "query": text, "active": "on"},
    )
    assert response.status_code in (200, 302)
    Webhook.objects.all().delete()


@given(st.text(max_size=200).map(lambda tail: f"https://pressroom.example/?{tail}"))
def test_search_from_never_raises_other_than_a_validation_error(text):
    from django.core.exceptions import ValidationError

    try:
        assert search_from(text) == search_from(search_from(text))
    except ValidationError:
        pass


def test_a_worker_killed_mid_send_sends_again_after_the_lapse_with_the_same_id(
    admin_client, receiver, archive, capture
):
    register(admin_client, receiver)
    archive.add("Fisheries agreement signed", "Pakistan and Oman signed a fisheries agreement.")
    with capture(execute=False):  # matched, but the worker dies before sending
        from articles.alerts.matching import match_pending

        match_pending()
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status="sending", attempts=1, claimed_at=timezone.now() - timedelta(minutes=1)
    )
    assert sending.send_webhook_delivery(delivery.pk) != "delivered"  # another worker may still be at it
    later = timezone.now() + sending.SENDING_LAPSES_AFTER
    assert sending.send_webhook_delivery(delivery.pk, now=later) == "delivered"
    assert receiver.posts[0]["headers"]["X-Pressroom-Delivery"] == str(delivery.delivery_id)
    assert len(receiver.posts) == 1


def test_the_webhook_page_shows_its_secret_and_links_its_delivery_log(admin_client, receiver):
    webhook = register(admin_client, receiver)
    page = admin_client.get(f"/admin/articles/webhook/{webhook.pk}/change/").content.decode()
    assert webhook.secret in page and "X-Pressroom-Signature" in page
    assert f"/admin/articles/webhookdelivery/?webhook__id__exact={webhook.pk}" in page
