"""Webhooks end to end, against a real receiver on 127.0.0.1: register in the admin, import, POST."""

import json
import time
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
from .webhook_receiver import HANG_UP, TRICKLE, Receiver

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
    assert delivery.status == "pending" and "did not arrive whole within 0.5 s" in delivery.last_error
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


def test_a_target_now_at_a_private_address_is_given_up_at_once_unposted(
    admin_client, receiver, archive, capture, settings
):
    register(admin_client, receiver)  # allowed then (tests/settings.py); DNS, or the setting, changed since
    settings.PRESSROOM_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    archive.add("Fisheries agreement signed", "Pakistan and Oman signed a fisheries agreement.")
    beat(capture)
    delivery = WebhookDelivery.objects.get()
    assert receiver.posts == [] and delivery.status == "failed" and delivery.attempts == 1
    assert "The target is at 127.0.0.1, a private, loopback or link-local address" in delivery.last_error
    log = admin_client.get("/admin/articles/webhookdelivery/").content.decode()
    assert "a private, loopback or link-local address" in log


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


FISHERIES = ("Fisheries agreement signed", "Pakistan and Oman signed a fisheries agreement.")


def last_error_in_the_log(admin_client) -> str:
    """The delivery log's page, as the staff read it."""
    return admin_client.get("/admin/articles/webhookdelivery/").content.decode()


def test_a_target_httpx_cannot_read_is_given_up_at_once_never_left_sending(
    admin_client, receiver, archive, capture
):
    # Saved before the admin checked targets: httpx fails on the malformed "xn--" name itself.
    Webhook.objects.create(name="Old", url="https://xn--zz.example/hook", query="q=fisheries")
    archive.add(*FISHERIES)
    beat(capture)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed" and delivery.attempts == 1
    assert delivery.last_error.startswith("The target URL cannot be used: The host name 'xn--zz.example'")
    assert "Correct it in the admin." in last_error_in_the_log(admin_client)


def test_an_error_inside_pressroom_while_sending_is_recorded_and_retried(
    admin_client, receiver, archive, capture, monkeypatch
):
    register(admin_client, receiver)

    def broken(*args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(sending, "_body", broken)
    archive.add(*FISHERIES)
    beat(capture)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 1 and receiver.posts == []
    assert delivery.last_error == (
        "Pressroom failed while sending it (RuntimeError); the server log has the details."
    )
    monkeypatch.undo()
    retry_all(1)
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and len(receiver.posts) == 1


def test_a_last_attempt_cut_off_by_a_dying_worker_is_given_up_not_sent_again(
    admin_client, receiver, archive, capture
):
    register(admin_client, receiver)
    archive.add(*FISHERIES)
    with capture(execute=False):  # matched, but the worker dies in its last attempt
        from articles.alerts.matching import match_pending

        match_pending()
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status="sending", attempts=sending.MAX_ATTEMPTS, claimed_at=timezone.now() - timedelta(hours=1)
    )
    beat(capture)
    delivery.refresh_from_db()
    assert receiver.posts == [] and delivery.status == "failed" and delivery.attempts == sending.MAX_ATTEMPTS
    assert "cut off" in delivery.last_error and "how it ended is unknown" in delivery.last_error


def test_410_gone_gives_up_at_once_and_pauses_the_webhook(admin_client, receiver, archive, capture):
    webhook = register(admin_client, receiver)
    receiver.answers = [(410, 0, {})]
    archive.add(*FISHERIES)
    beat(capture)
    retry_all()
    delivery = WebhookDelivery.objects.get()
    assert len(receiver.posts) == 1 and delivery.status == "failed" and delivery.last_status_code == 410
    assert delivery.last_error.startswith("The receiver answered 410 Gone: it says this endpoint is gone")
    webhook.refresh_from_db()
    assert not webhook.active and webhook.paused_reason.startswith("The receiver answered 410 Gone")
    page = admin_client.get("/admin/articles/webhook/").content.decode()
    assert "The receiver answered 410 Gone" in page


def test_a_release_withdrawn_before_its_post_is_not_sent_and_no_fault_of_the_receiver(
    admin_client, receiver, archive, capture, monkeypatch
):
    from articles.editing import withdraw

    monkeypatch.setattr(sending, "PAUSE_AFTER_FAILED", 2)
    webhook = register(admin_client, receiver)
    receiver.answers = [(500, 0, {})] * 20
    withdrawn = archive.add(*FISHERIES)
    beat(capture)  # its first attempt failed: it waits
    with archive.committed():
        withdraw(withdrawn, note="Issued in error.")
    retry_all(1)
    skipped = WebhookDelivery.objects.get(article=withdrawn)
    assert skipped.status == "skipped" and len(receiver.posts) == 1
    assert skipped.last_error == "Not sent: the release was withdrawn, merged or removed before it went out."
    archive.add("Fisheries quotas doubled", "The fisheries quotas were doubled.")
    beat(capture)
    retry_all()
    assert WebhookDelivery.objects.exclude(article=withdrawn).get().status == "failed"
    webhook.refresh_from_db()
    assert webhook.active  # one delivery given up, not two: the withdrawn one is not the receiver's
    assert "Not sent (release withdrawn)" in last_error_in_the_log(admin_client)


def major_edit(archive, article, text):
    with archive.committed():
        article.body += text
        article.save()
        record_version(article, how="admin edit", major=True)


def test_updates_while_a_delivery_waits_fold_into_it_and_the_newest_is_sent(
    admin_client, receiver, archive, capture
):
    register(admin_client, receiver)
    receiver.answers = [(503, 0, {})]
    article = archive.add(*FISHERIES)
    beat(capture)
    major_edit(archive, article, " Quotas were doubled.")
    beat(capture)
    major_edit(archive, article, " It takes effect in May.")
    beat(capture)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and delivery.version == 3 and len(receiver.posts) == 1
    retry_all()
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and len(receiver.posts) == 2
    sent = json.loads(receiver.posts[1]["body"])
    assert sent["event"] == "article.updated" and sent["body"].endswith("It takes effect in May.")
    # A new id: a receiver that got the first version (its answer lost) must not drop this one.
    first, second = (post["headers"]["X-Pressroom-Delivery"] for post in receiver.posts)
    assert first != second == str(delivery.delivery_id)


def test_an_update_after_a_delivery_was_sent_is_a_delivery_of_its_own(
    admin_client, receiver, archive, capture
):
    register(admin_client, receiver)
    article = archive.add(*FISHERIES)
    beat(capture)
    major_edit(archive, article, " Quotas were doubled.")
    beat(capture)
    assert [d.status for d in WebhookDelivery.objects.order_by("version")] == ["delivered", "delivered"]
    assert len(receiver.posts) == 2


def one_failed_attempt(admin_client, receiver, archive, capture, answer) -> WebhookDelivery:
    register(admin_client, receiver)
    receiver.answers = [answer]
    archive.add(*FISHERIES)
    beat(capture)
    return WebhookDelivery.objects.get()


def test_a_receiver_hanging_up_without_an_answer_is_said_plainly(admin_client, receiver, archive, capture):
    delivery = one_failed_attempt(admin_client, receiver, archive, capture, (HANG_UP, 0, {}))
    assert delivery.status == "pending"
    assert delivery.last_error == "The receiver closed the connection before it gave a whole HTTP answer."


def test_a_receiver_trickling_its_answer_is_cut_off_at_the_timeout_in_all(
    admin_client, receiver, archive, capture, settings
):
    settings.PRESSROOM_WEBHOOK_TIMEOUT_SECONDS = 1
    register(admin_client, receiver)
    receiver.answers = [(TRICKLE, 10, {})]  # a byte every 0.1 s: no single read ever waits 1 s
    archive.add(*FISHERIES)
    started = time.monotonic()
    beat(capture)
    took = time.monotonic() - started
    delivery = WebhookDelivery.objects.get()
    assert took < 2.5, f"the POST took {took:.1f} s"
    assert delivery.status == "pending" and delivery.last_error.startswith(
        "The receiver's answer did not arrive whole within 1 s, the most a POST waits"
    )


def test_a_redirect_says_where_it_pointed(admin_client, receiver, archive, capture):
    answer = (308, 0, {"Location": "https://hooks.example.org/new"})
    delivery = one_failed_attempt(admin_client, receiver, archive, capture, answer)
    assert delivery.last_error == (
        "The receiver answered 308 Permanent Redirect, a redirect to 'https://hooks.example.org/new', "
        "which is not followed: if the receiver moved, change the webhook's target URL."
    )
    assert "a redirect to &#x27;https://hooks.example.org/new&#x27;" in last_error_in_the_log(admin_client)


def test_a_long_redirect_location_is_cut_short(admin_client, receiver, archive, capture):
    answer = (302, 0, {"Location": "https://hooks.example.org/" + "x" * 5000})
    delivery = one_failed_attempt(admin_client, receiver, archive, capture, answer)
    assert "(5,026 characters)" in delivery.last_error and len(delivery.last_error) < 500
    assert delivery.last_error.endswith("change the webhook's target URL.")


def send_test(admin_client, webhook):
    return admin_client.post(
        "/admin/articles/webhook/", {"action": "send_test", "_selected_action": [webhook.pk]}, follow=True
    )


def test_the_admin_sends_a_signed_test_delivery_and_shows_and_logs_the_result(admin_client, receiver):
    webhook = register(admin_client, receiver)
    page = send_test(admin_client, webhook).content.decode()
    assert "Newsdesk: the test was delivered (the receiver answered 200)." in page
    [post] = receiver.posts
    assert post["valid"]
    assert json.loads(post["body"]) == {
        "event": "test",
        "webhook": "Newsdesk",
        "search": "https://pressroom.example/?q=fisheries",
    }
    test = WebhookDelivery.objects.get()
    assert test.kind == "test" and test.status == "delivered"
    assert post["headers"]["X-Pressroom-Delivery"] == str(test.delivery_id)
    log = admin_client.get(f"/admin/articles/webhookdelivery/?kind=test&webhook__id__exact={webhook.pk}")
    assert log.status_code == 200 and "Test" in log.content.decode()


def test_a_failed_test_says_why_and_is_never_retried_nor_counted_toward_pausing(
    admin_client, receiver, capture, monkeypatch
):
    monkeypatch.setattr(sending, "PAUSE_AFTER_FAILED", 1)
    webhook = register(admin_client, receiver)
    receiver.answers = [(500, 0, {})]
    page = send_test(admin_client, webhook).content.decode()
    assert "Newsdesk: the test was not delivered. The receiver answered 500 Internal Server Error." in page
    beat(capture)
    retry_all()
    assert len(receiver.posts) == 1 and WebhookDelivery.objects.get().status == "failed"
    webhook.refresh_from_db()
    assert webhook.active


def test_a_paused_webhook_can_be_tested_and_stays_paused(admin_client, receiver):
    webhook = register(admin_client, receiver)
    Webhook.objects.filter(pk=webhook.pk).update(active=False, paused_reason="Paused by the staff.")
    assert "the test was delivered" in send_test(admin_client, webhook).content.decode()
    webhook.refresh_from_db()
    assert not webhook.active and webhook.paused_reason == "Paused by the staff."
