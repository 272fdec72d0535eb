"""The alerts' delivery log in the admin: an e-mail retried or given up never reads as waiting."""

from datetime import timedelta

import pytest

from articles.alerts import sending
from articles.alerts.models import Delivery, Subscription
from articles.alerts.sending import queue_due_deliveries, send_delivery, sending_lapses_after

from . import test_alerts
from .alert_helpers import beat, waits_between_attempts
from .smtp_server import free_port
from .test_alerts import subscribe

capture = test_alerts.capture  # a fixture

pytestmark = pytest.mark.django_db

READER = "reader@example.org"
FISHERIES = ("Fisheries agreement signed", "Pakistan and Oman signed a fisheries agreement.")


@pytest.fixture
def staff(client, django_user_model):
    """The client, logged in as the archive's staff: what a row of the delivery log says."""
    user = django_user_model.objects.create_superuser("editor", "editor@example.org", "a long password 123")
    client.force_login(user)

    def log(state=None) -> str:
        response = client.get("/admin/articles/delivery/" + (f"?state={state}" if state else ""))
        assert response.status_code == 200
        return response.content.decode()

    return log


def the_alert() -> Delivery:
    return Delivery.objects.get(kind=Delivery.Kind.ALERT)


def killed_mid_send(delivery: Delivery, monkeypatch):
    """The delivery's next attempt, its worker killed as it speaks SMTP; when that send lapses."""
    monkeypatch.setattr(sending, "get_connection", lambda **kwargs: (_ for _ in ()).throw(SystemExit(9)))
    delivery.refresh_from_db()
    claimed = delivery.next_attempt_at + timedelta(seconds=1)
    with pytest.raises(SystemExit):
        send_delivery(delivery.pk, now=claimed)
    monkeypatch.undo()
    return claimed + sending_lapses_after() + timedelta(seconds=1)


def test_an_email_refused_five_times_is_given_up_with_its_error_and_its_subscription_paused(
    client, capture, smtp, archive, staff
):
    subscribe(client, capture, smtp, "q=fisheries")
    smtp.data_answers = ["451 4.3.0 Try again later"] * 5
    archive.add(*FISHERIES)
    beat(capture)
    retrying = staff("retrying")
    assert READER in retrying and "Failed (1 attempt), retried at" in retrying and "451" in retrying
    waits_between_attempts(the_alert(), 4)
    given_up = staff("given_up")
    assert READER in given_up and "Given up after 5 attempts" in given_up
    assert "451 4.3.0 Try again later" in given_up
    assert "Paused: E-mails to the address failed 5 times in a row" in given_up
    assert READER not in staff("waiting") and READER not in staff("retrying")
    assert staff("sent").count(READER) == 1  # the confirmation


def test_an_email_the_mail_server_keeps_failing_reads_as_retried_and_pauses_nobody(
    client, capture, smtp, archive, staff, settings
):
    subscribe(client, capture, smtp, "q=fisheries")
    settings.EMAIL_PORT = free_port()  # nothing listens there
    archive.add(*FISHERIES)
    beat(capture)
    waits_between_attempts(the_alert(), 7)
    retrying = staff("retrying")
    assert "Failed (8 attempts), retried at" in retrying
    assert "The archive&#x27;s mail server failed, not the address" in retrying and "Not paused" in retrying


def test_an_email_whose_worker_was_killed_on_its_last_attempt_is_given_up_not_sent_again(
    client, capture, smtp, archive, staff, monkeypatch
):
    subscribe(client, capture, smtp, "q=fisheries")
    smtp.data_answers = ["451 4.3.0 Try again later"] * 4
    archive.add(*FISHERIES)
    beat(capture)
    waits_between_attempts(the_alert(), 3)
    lapsed = killed_mid_send(the_alert(), monkeypatch)  # the fifth attempt
    with capture(execute=True):
        assert queue_due_deliveries(now=lapsed) == []
    assert send_delivery(the_alert().pk, now=lapsed) == "not due, or sent already"
    assert len(smtp.messages) == 1  # the confirmation only
    assert the_alert().status == Delivery.Status.FAILED
    assert "cut short" in Subscription.objects.get().pause_reason
    given_up = staff("given_up")
    assert "Given up after 5 attempts" in given_up
    assert "The worker stopped while sending it, on attempt 5" in given_up


def test_an_email_killed_mid_send_during_a_mail_server_outage_is_still_sent(
    client, capture, smtp, archive, monkeypatch, settings
):
    """The mail server's failures use up no attempts: nor does a kill after them."""
    subscribe(client, capture, smtp, "q=fisheries")
    working_port, settings.EMAIL_PORT = settings.EMAIL_PORT, free_port()
    archive.add(*FISHERIES)
    beat(capture)
    waits_between_attempts(the_alert(), 5)
    settings.EMAIL_PORT = working_port
    lapsed = killed_mid_send(the_alert(), monkeypatch)
    with capture(execute=True):
        assert queue_due_deliveries(now=lapsed) == [the_alert().pk]
    assert send_delivery(the_alert().pk, now=lapsed) in ("sent", "not due, or sent already")
    assert the_alert().status == Delivery.Status.SENT and len(smtp.messages) == 2
    assert Subscription.objects.get().paused_at is None
