"""When digests go out: from their hour on, once a day per address, whatever beats were missed."""

from datetime import timedelta

import pytest

from articles.alerts.digests import queue_digests
from articles.alerts.models import Alert

from . import test_alerts
from .alert_helpers import beat, next_digest_hour
from .test_alerts import parts, subscribe

capture = test_alerts.capture  # a fixture

pytestmark = pytest.mark.django_db

FISHERIES = ("Fisheries agreement signed", "Pakistan and Oman signed a fisheries agreement.")
RAILWAYS = ("Railways plan", "A new railways plan was announced in Lahore.")
QUOTAS = ("Fisheries quotas doubled", "Oman doubled the fisheries quotas.")


def digests_at(capture, smtp, moment) -> list[str]:
    """The worker's digest pass at `moment`, its e-mails sent: the plain text of each one sent."""
    before = len(smtp.messages)
    with capture(execute=True):
        queue_digests(moment)
    return [parts(message)[0] for message in smtp.messages[before:]]


@pytest.fixture
def daily_reader(client, capture, smtp, archive):
    """A reader of a daily search, one release matched for it: the digest hour still to come."""
    subscribe(client, capture, smtp, "q=fisheries", frequency="daily")
    archive.add(*FISHERIES)
    beat(capture)
    assert len(smtp.messages) == 1  # the confirmation only: the release waits for the digest
    return next_digest_hour()


def test_a_daily_digest_goes_out_at_its_hour_and_once(capture, smtp, daily_reader):
    hour = daily_reader
    assert digests_at(capture, smtp, hour - timedelta(minutes=1)) == []
    (digest,) = digests_at(capture, smtp, hour)
    assert "Fisheries agreement signed" in digest
    assert digests_at(capture, smtp, hour + timedelta(seconds=5)) == []  # the next beat


def test_a_digest_whose_hour_was_missed_goes_out_at_the_next_beat_once(capture, smtp, archive, daily_reader):
    hour = daily_reader
    assert digests_at(capture, smtp, hour - timedelta(seconds=5)) == []  # the last beat before the hour
    # The worker was down at the hour: it comes back three hours later.
    (digest,) = digests_at(capture, smtp, hour + timedelta(hours=3))
    assert "Fisheries agreement signed" in digest
    # A release matched after the hour waits for tomorrow's digest; later that day, nothing more.
    archive.add(*QUOTAS)
    beat(capture)
    Alert.objects.filter(delivery__isnull=True).update(created=hour + timedelta(hours=4))
    assert digests_at(capture, smtp, hour + timedelta(hours=5)) == []
    assert digests_at(capture, smtp, hour + timedelta(hours=11)) == []
    (tomorrows,) = digests_at(capture, smtp, hour + timedelta(days=1))
    assert "Fisheries quotas doubled" in tomorrows and "Fisheries agreement signed" not in tomorrows


def test_days_of_missed_digests_are_one_email(capture, smtp, archive, daily_reader):
    hour = daily_reader
    # The worker was down from before the hour for two days; a release was matched on the second.
    archive.add(*QUOTAS)
    beat(capture)
    Alert.objects.filter(article__title=QUOTAS[0]).update(created=hour + timedelta(days=1, hours=2))
    (digest,) = digests_at(capture, smtp, hour + timedelta(days=2, minutes=1))
    assert "Fisheries agreement signed" in digest and "Fisheries quotas doubled" in digest
    assert digests_at(capture, smtp, hour + timedelta(days=2, hours=6)) == []


def test_a_weekly_digest_whose_whole_weekday_was_missed_goes_out_when_the_worker_is_back(
    client, capture, smtp, archive, settings
):
    subscribe(client, capture, smtp, "q=fisheries", frequency="weekly")
    subscribe(client, capture, smtp, "q=railways", frequency="daily")
    archive.add(*FISHERIES)
    beat(capture)
    hour = next_digest_hour()
    settings.PRESSROOM_DIGEST_WEEKDAY = hour.weekday()
    # The worker was down all of the digests' weekday, and comes back just after its midnight.
    archive.add(*RAILWAYS)
    beat(capture)
    (digest,) = digests_at(capture, smtp, hour.replace(hour=0) + timedelta(days=1, minutes=30))
    assert "Fisheries agreement signed" in digest and "Railways plan" in digest  # in one e-mail
    assert digests_at(capture, smtp, hour + timedelta(days=1, hours=8)) == []
    assert digests_at(capture, smtp, hour + timedelta(days=7)) == []  # not again a week later


def test_weekly_searches_wait_for_their_weekday(client, capture, smtp, archive, settings):
    subscribe(client, capture, smtp, "q=fisheries", frequency="weekly")
    archive.add(*FISHERIES)
    beat(capture)
    hour = next_digest_hour()
    settings.PRESSROOM_DIGEST_WEEKDAY = (hour.weekday() + 1) % 7
    assert digests_at(capture, smtp, hour) == []
    (digest,) = digests_at(capture, smtp, hour + timedelta(days=1))
    assert "Fisheries agreement signed" in digest
