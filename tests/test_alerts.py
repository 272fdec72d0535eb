"""E-mail alerts end to end, against a real SMTP server: subscribe, confirm, import, receive."""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from articles.alerts import sending
from articles.alerts.digests import queue_digests
from articles.alerts.models import Delivery, Subscription
from articles.alerts.sending import queue_due_deliveries, send_delivery, sending_lapses_after
from articles.history import record_version

from .alert_helpers import beat, links, next_digest_hour, path_of, send_digests_now, waits_between_attempts

pytestmark = pytest.mark.django_db

READER = "reader@example.org"


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    def captured(**kwargs):
        return django_capture_on_commit_callbacks(**kwargs)

    return captured


def ask(client, capture, query, email=READER, frequency="immediate", address="10.0.0.1"):
    with capture(execute=True):
        response = client.post(
            f"/alerts/subscribe/?{query}", {"email": email, "frequency": frequency}, REMOTE_ADDR=address
        )
    connection.run_on_commit.clear()
    return response


def subscribe(client, capture, smtp, query, email=READER, frequency="immediate"):
    """Ask for alerts and confirm them by the link of the confirmation e-mail, as a reader does."""
    before = len(smtp.to(email))
    ask(client, capture, query, email, frequency)
    confirmation = smtp.to(email)[before:]
    assert len(confirmation) == 1
    confirm_link = next(link for link in links(confirmation[0]) if "/alerts/confirm/" in link)
    assert client.get(path_of(confirm_link)).status_code == 200
    assert (
        Subscription.objects.get(email=email, query=Subscription.objects.latest("pk").query).confirmed_at
        is None
    )
    response = client.post(path_of(confirm_link))
    assert response.status_code == 302 and "/alerts/manage/" in response["Location"]
    return confirmation[0]


def parts(message) -> tuple[str, str]:
    return (
        message.get_body(preferencelist=("plain",)).get_content(),
        message.get_body(preferencelist=("html",)).get_content(),
    )


def test_subscribe_confirm_and_receive_an_immediate_alert_after_an_import(client, capture, smtp, archive):
    confirmation = subscribe(client, capture, smtp, "q=fisheries")
    assert "Confirm" in confirmation["Subject"]
    beat(capture)
    assert len(smtp.messages) == 1  # only the confirmation until something matches

    article = archive.add("Fisheries agreement signed", "Pakistan and Oman signed a fisheries agreement.")
    archive.add("Railways plan", "A new railways plan was announced in Lahore.")
    beat(capture)

    alerts = smtp.messages[1:]
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert["List-Unsubscribe"].strip().startswith("<https://pressroom.example/alerts/unsubscribe/")
    assert alert["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = parts(alert)
    assert "Fisheries agreement signed" in text and "Railways plan" not in text
    assert f"https://pressroom.example{article.get_absolute_url()}" in text
    assert "https://pressroom.example/feed/?q=fisheries" in text
    assert "<mark>" in html and "Fisheries agreement signed" in html
    assert "Pakistan" in text  # its countries

    beat(capture)
    assert len(smtp.messages) == 2  # sent once, never again


def test_a_release_matching_nothing_sends_nothing(client, capture, smtp, archive):
    subscribe(client, capture, smtp, "q=fisheries")
    archive.add("Railways plan", "A new railways plan was announced in Lahore.")
    beat(capture)
    assert len(smtp.messages) == 1


def test_several_countries_mean_any_of_them(client, capture, smtp, archive):
    subscribe(client, capture, smtp, "country=PK&country=NP")
    archive.add("Talks in Kathmandu", "Nepal hosted the regional talks in Kathmandu.")
    archive.add("Visit to Islamabad", "The minister visited Pakistan for talks in Islamabad.")
    archive.add("Talks in Paris", "France hosted the talks in Paris.")
    beat(capture)
    text, _ = parts(smtp.messages[-1])
    assert "Talks in Kathmandu" in text and "Visit to Islamabad" in text and "Talks in Paris" not in text


def test_a_minor_edit_never_alerts_but_a_major_update_does(client, capture, smtp, archive):
    article = archive.add("Fisheries agreement signed", "Pakistan and Oman signed a fisheries agreement.")
    beat(capture)
    subscribe(client, capture, smtp, "q=fisheries")
    with archive.committed():
        article.body += " It takes effect in May."
        article.save()
        record_version(article, how="admin edit", major=False)
    beat(capture)
    assert len(smtp.messages) == 1
    with archive.committed():
        article.body += " Quotas were doubled."
        article.save()
        record_version(article, how="admin edit", major=True)
    beat(capture)
    assert len(smtp.messages) == 2 and "Fisheries agreement signed" in parts(smtp.messages[-1])[0]


def test_a_withdrawn_release_never_alerts(client, capture, smtp, archive):
    subscribe(client, capture, smtp, "q=fisheries")
    with archive.committed():
        article = archive.add("Fisheries agreement signed", "Pakistan and Oman signed a fisheries agreement.")
        article.withdrawn = timezone.now()
        article.save()
    beat(capture)
    assert len(smtp.messages) == 1


def test_a_daily_digest_of_two_searches_is_one_email(client, capture, smtp, archive):
    subscribe(client, capture, smtp, "q=fisheries", frequency="daily")
    subscribe(client, capture, smtp, "q=railways", frequency="daily")
    archive.add("Fisheries agreement signed", "Pakistan and Oman signed a fisheries agreement.")
    archive.add("Railways plan", "A new railways plan was announced in Lahore.")
    beat(capture)
    assert len(smtp.messages) == 2  # the two confirmations: daily alerts wait for the digest

    hour = next_digest_hour()
    with capture(execute=True):
        assert len(queue_digests(hour)) == 1
        assert queue_digests(hour) == []  # once a day
    digest = smtp.messages[2]
    text, html = parts(digest)
    assert "Fisheries agreement signed" in text and "Railways plan" in text
    assert "fisheries" in text and "railways" in text
    assert "digest" in digest["Subject"].lower()
    beat(capture)
    assert len(smtp.messages) == 3


def test_one_click_unsubscribe_stops_every_email(client, capture, smtp, archive):
    subscribe(client, capture, smtp, "q=fisheries")
    archive.add("Fisheries agreement signed", "Pakistan and Oman signed a fisheries agreement.")
    beat(capture)
    unsubscribe = smtp.messages[-1]["List-Unsubscribe"].strip().strip("<>")
    form = client.get(path_of(unsubscribe))
    assert form.status_code == 200 and b"<form" in form.content  # GET only asks: no JavaScript needed
    assert Subscription.objects.exists()
    csrf_client = client.__class__(enforce_csrf_checks=True)  # a mail program: no cookie, no token
    response = csrf_client.post(path_of(unsubscribe), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and not Subscription.objects.exists()
    # A mail program retrying its POST, or the reader clicking twice, is told the same thing.
    again = csrf_client.post(path_of(unsubscribe), {"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200 and b"You are unsubscribed" in again.content
    assert b"You are unsubscribed" in client.get(path_of(unsubscribe)).content
    assert client.post(path_of(unsubscribe)[:-5] + "xxxx/").status_code == 404  # not a link of ours
    archive.add("Fisheries quotas doubled", "Oman doubled the fisheries quotas.")
    beat(capture)
    assert len(smtp.messages) == 2


def test_the_manage_page_changes_pauses_and_deletes(client, capture, smtp, archive):
    subscribe(client, capture, smtp, "q=fisheries")
    subscribe(client, capture, smtp, "q=railways")
    archive.add("Fisheries agreement signed", "Pakistan and Oman signed a fisheries agreement.")
    beat(capture)
    manage = path_of(next(link for link in links(smtp.messages[-1]) if "/alerts/manage/" in link))
    page = client.get(manage)
    assert b"fisheries" in page.content and b"railways" in page.content
    fisheries, railways = Subscription.objects.order_by("pk")
    client.post(manage, {"action": "frequency", "subscription": fisheries.pk, "frequency": "weekly"})
    client.post(manage, {"action": "pause", "subscription": railways.pk})
    fisheries.refresh_from_db(), railways.refresh_from_db()
    assert fisheries.frequency == "weekly" and railways.paused_at is not None
    assert b"paused" in client.get(manage).content
    client.post(manage, {"action": "delete", "subscription": railways.pk})
    assert list(Subscription.objects.all()) == [fisheries]
    client.post(manage, {"action": "delete_all"})
    assert not Subscription.objects.exists()
    other = Subscription.objects.create(
        email="other@example.org", query="q=trade", confirmed_at=timezone.now()
    )
    client.post(manage, {"action": "delete", "subscription": other.pk})  # not the token's address
    assert Subscription.objects.filter(pk=other.pk).exists()


def test_confirmations_are_throttled_and_the_page_says_the_same(client, capture, smtp):
    pages = [ask(client, capture, f"q=word{n}") for n in range(4)]
    assert len(smtp.to(READER)) == 3
    assert {page.status_code for page in pages} == {302}
    assert {page["Location"] for page in pages} == {"/alerts/check-your-inbox/"}
    known = client.get(pages[0]["Location"]).content
    ask(client, capture, "q=word0", email="someone-else@example.org")
    assert client.get("/alerts/check-your-inbox/").content == known


def test_confirmations_are_throttled_per_client(client, capture, smtp):
    for n in range(12):
        ask(client, capture, "q=trade", email=f"stranger{n}@example.org", address="10.0.0.9")
    assert len(smtp.messages) == 10


def test_nothing_is_sent_before_confirmation(client, capture, smtp, archive):
    ask(client, capture, "q=fisheries")
    archive.add("Fisheries agreement signed", "Pakistan and Oman signed a fisheries agreement.")
    beat(capture)
    assert len(smtp.messages) == 1


def test_an_smtp_failure_is_retried_and_delivered_once(client, capture, smtp, archive):
    subscribe(client, capture, smtp, "q=fisheries")
    smtp.data_answers = ["451 4.3.0 Try again later"]
    archive.add("Fisheries agreement signed", "Pakistan and Oman signed a fisheries agreement.")
    beat(capture)
    delivery = Delivery.objects.get(kind=Delivery.Kind.ALERT)
    assert delivery.status == Delivery.Status.PENDING and "451" in delivery.last_error
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=50)
    assert send_delivery(delivery.pk) == "not due, or sent already"  # backs off
    later = delivery.next_attempt_at + timedelta(seconds=1)
    assert send_delivery(delivery.pk, now=later) == "sent"
    assert send_delivery(delivery.pk, now=later + timedelta(hours=1)) == "not due, or sent already"
    assert len(smtp.messages) == 2


def test_a_hard_bounce_pauses_the_subscription(client, capture, smtp, archive):
    subscribe(client, capture, smtp, "q=fisheries")
    smtp.refuse_recipients = "550 5.1.1 No such user"
    archive.add("Fisheries agreement signed", "Pakistan and Oman signed a fisheries agreement.")
    beat(capture)
    subscription = Subscription.objects.get()
    assert subscription.paused_at is not None and "550" in subscription.pause_reason
    assert Delivery.objects.get(kind=Delivery.Kind.ALERT).status == Delivery.Status.FAILED
    smtp.refuse_recipients = None
    archive.add("Fisheries quotas doubled", "Oman doubled the fisheries quotas.")
    beat(capture)
    assert len(smtp.messages) == 1


def test_five_failures_in_a_row_pause_the_subscription(client, capture, smtp, archive):
    subscribe(client, capture, smtp, "q=fisheries")
    smtp.data_answers = ["451 Try again later"] * 5
    archive.add("Fisheries agreement signed", "Pakistan and Oman signed a fisheries agreement.")
    beat(capture)
    delivery = Delivery.objects.get(kind=Delivery.Kind.ALERT)
    minutes = waits_between_attempts(delivery, 4)
    assert minutes == [1, 2, 4, 8]
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED and delivery.attempts == 5
    assert "5 times" in Subscription.objects.get().pause_reason


def test_a_worker_killed_mid_send_delivers_once_after_recovery(client, capture, smtp, archive, monkeypatch):
    subscribe(client, capture, smtp, "q=fisheries")
    # The worker dies as it speaks SMTP: the row is left "sending", the message never sent.
    monkeypatch.setattr(sending, "get_connection", lambda **kwargs: (_ for _ in ()).throw(SystemExit(9)))
    archive.add("Fisheries agreement signed", "Pakistan and Oman signed a fisheries agreement.")
    beat(capture)  # the task runner records the task as failed; the delivery row stays as the worker left it
    monkeypatch.undo()
    delivery = Delivery.objects.get(kind=Delivery.Kind.ALERT)
    assert delivery.status == Delivery.Status.SENDING
    message_id = delivery.message_id
    beat(capture)  # soon after: another worker does not take it from a live one
    assert len(smtp.messages) == 1
    later = timezone.now() + sending_lapses_after() + timedelta(seconds=1)
    with capture(execute=True):
        assert queue_due_deliveries(now=later) == [delivery.pk]
    assert send_delivery(delivery.pk, now=later) in ("sent", "not due, or sent already")
    assert len(smtp.messages) == 2 and smtp.messages[1]["Message-ID"] == message_id
    assert send_delivery(delivery.pk, now=later + timedelta(hours=1)) == "not due, or sent already"
    assert len(smtp.messages) == 2


def test_an_expired_confirmation_link_is_refused(client, capture, smtp, settings):
    ask(client, capture, "q=fisheries")
    link = next(link for link in links(smtp.messages[0]) if "/alerts/confirm/" in link)
    settings.PRESSROOM_ALERTS_CONFIRM_HOURS = 0
    time.sleep(1.1)  # tokens carry their time in whole seconds
    response = client.post(path_of(link))
    assert response.status_code == 404 and b"not valid" in response.content
    assert Subscription.objects.get().confirmed_at is None


def test_the_search_page_offers_emails_for_its_search(client, archive):
    archive.add("Fisheries agreement signed", "Pakistan and Oman signed a fisheries agreement.")
    page = client.get("/?q=fisheries&country=PK&sort=newest").content.decode()
    assert (
        '/alerts/subscribe/?q=fisheries&amp;country=PK&amp;sort=newest">Get e-mails about this search' in page
    )
    form = client.get("/alerts/subscribe/?q=fisheries&country=PK&sort=newest")
    assert form.status_code == 200 and b"Pakistan" in form.content


def test_a_search_is_kept_in_one_spelling(client, capture, smtp):
    ask(client, capture, "country=NP&country=pk&from=2019&sort=oldest&q=++fisheries++")
    assert Subscription.objects.get().query == "q=fisheries&country=NP&country=PK&from=2019-01-01"


def test_a_digests_one_click_unsubscribe_stops_every_search_in_it(client, capture, smtp, archive):
    subscribe(client, capture, smtp, "q=fisheries", frequency="daily")
    subscribe(client, capture, smtp, "q=railways", frequency="daily")
    archive.add("Fisheries agreement signed", "Pakistan and Oman signed a fisheries agreement.")
    beat(capture)
    send_digests_now(capture)
    unsubscribe = smtp.messages[-1]["List-Unsubscribe"].strip().strip("<>")
    assert b"every search of your daily e-mails" in client.get(path_of(unsubscribe)).content
    client.__class__(enforce_csrf_checks=True).post(path_of(unsubscribe), {"List-Unsubscribe": "One-Click"})
    assert not Subscription.objects.exists()


def test_a_broad_search_lists_its_newest_releases_and_links_to_the_rest(
    client, capture, smtp, archive, monkeypatch
):
    from articles.alerts import messages

    monkeypatch.setattr(messages, "MAX_RELEASES_PER_SEARCH", 2)
    subscribe(client, capture, smtp, "q=fisheries")
    for day in (1, 2, 3):
        archive.add(f"Fisheries talks, day {day}", "Oman held fisheries talks.", published=f"2019-09-0{day}")
    beat(capture)
    text, html = parts(smtp.messages[-1])
    assert "3 new releases" in text and "And 1 more" in text and "And 1 more" in html
    assert "day 3" in text and "day 2" in text and "day 1" not in text
    assert text.index("day 3") < text.index("day 2")


def test_asking_again_for_an_unconfirmed_alert_gives_its_link_a_fresh_48_hours(client, capture, smtp):
    ask(client, capture, "q=fisheries")
    Subscription.objects.update(created=timezone.now() - timedelta(hours=47))
    ask(client, capture, "q=fisheries", frequency="daily")
    subscription = Subscription.objects.get()
    assert subscription.frequency == "daily" and timezone.now() - subscription.created < timedelta(minutes=1)
    assert len(smtp.messages) == 2


def test_new_releases_nobody_follows_are_not_indexed_for_matching():
    # A new archive's demo import took the worker 5 s per 500 releases with no subscription at all.
    from articles.search import percolate

    def releases():
        raise AssertionError("the releases were read")
        yield

    assert percolate(releases(), {}) == {}


def test_an_alert_owed_while_the_worker_was_down_goes_out_at_its_first_beat_back(
    client, capture, smtp, archive
):
    """A worker killed while matching leaves its task "running" and the releases owed matching: the
    new worker's start (recover, then a beat) sends the alert at once, not a beat or a lapse later."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    from articles.alerts.work import match_releases_task
    from articles.worker import recover

    subscribe(client, capture, smtp, "q=fisheries")
    archive.add("Fisheries agreement signed", "Pakistan and Oman signed a fisheries agreement.")
    DBTaskResult.objects.create(
        status="RUNNING",
        args_kwargs={"args": [], "kwargs": {}},
        task_path=match_releases_task.module_path,
        backend_name="default",
        run_after=get_date_max(),
        worker_ids=["a-worker-killed-while-matching"],
    )
    beat(capture)  # its task looks alive until the dead worker's is recovered: nothing is matched twice
    assert len(smtp.messages) == 1
    recover()
    beat(capture)
    assert len(smtp.messages) == 2 and "Fisheries agreement signed" in parts(smtp.messages[-1])[0]
    beat(capture)
    assert len(smtp.messages) == 2
