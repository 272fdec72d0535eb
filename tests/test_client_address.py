"""Sign-in throttling counts the client's real address: a forwarding header the client
writes itself never earns it a fresh count, with or without proxies in front."""

import pytest
from django.test import Client, RequestFactory, override_settings

PASSWORD = "a long passphrase 1"


@pytest.fixture
def editor(db, django_user_model):
    return django_user_model.objects.create_superuser("editor", "editor@example.org", PASSWORD)


def sign_in(password, forwarded_for=None, peer="127.0.0.1"):
    """A POST to the real admin sign-in from `peer`, with the X-Forwarded-For header it carries."""
    headers = {} if forwarded_for is None else {"X-Forwarded-For": forwarded_for}
    return Client(REMOTE_ADDR=peer).post(
        "/admin/login/", {"username": "editor", "password": password}, headers=headers
    )


def fail_five_times(forwarded_for=lambda guess: None):
    statuses = [sign_in("wrong", forwarded_for(guess)).status_code for guess in range(5)]
    assert statuses == [200, 200, 200, 200, 429]


@override_settings(PRESSROOM_PROXY_COUNT=0)
def test_without_proxies_a_spoofed_forwarding_header_does_not_unlock_the_right_password(editor):
    fail_five_times()
    assert sign_in(PASSWORD, "198.51.100.9").status_code == 429
    assert sign_in(PASSWORD, "198.51.100.9, 198.51.100.10").status_code == 429
    assert sign_in(PASSWORD).status_code == 429


@override_settings(PRESSROOM_PROXY_COUNT=0)
def test_without_proxies_guesses_each_with_a_new_forwarding_header_are_locked_after_five(editor):
    statuses = [sign_in("wrong", f"198.51.100.{guess}").status_code for guess in range(30)]
    assert statuses[:4] == [200] * 4
    assert statuses[4:] == [429] * 26
    assert sign_in(PASSWORD, "198.51.100.200").status_code == 429


@override_settings(PRESSROOM_PROXY_COUNT=1)
def test_behind_one_proxy_the_address_it_appends_is_the_client(editor):
    # nginx's $proxy_add_x_forwarded_for: whatever the client sent, then the address nginx saw.
    statuses = [sign_in("wrong", f"198.51.100.{guess}, 203.0.113.7").status_code for guess in range(30)]
    assert statuses[:4] == [200] * 4 and statuses[4:] == [429] * 26
    assert sign_in(PASSWORD, "203.0.113.7").status_code == 429
    assert sign_in(PASSWORD, "evil, 203.0.113.7").status_code == 429
    # Another reader behind the same proxy keeps signing in: the lock is not the proxy's.
    assert sign_in(PASSWORD, "203.0.113.8").status_code == 302


@override_settings(PRESSROOM_PROXY_COUNT=2)
def test_behind_two_proxies_the_address_two_hops_from_the_right_is_the_client(editor):
    statuses = [
        sign_in("wrong", f"198.51.100.{guess}, 203.0.113.7, 10.0.0.2").status_code for guess in range(30)
    ]
    assert statuses[:4] == [200] * 4 and statuses[4:] == [429] * 26
    assert sign_in(PASSWORD, "203.0.113.7, 10.0.0.3").status_code == 429  # through the other front proxy
    assert sign_in(PASSWORD, "203.0.113.9, 10.0.0.2").status_code == 302


@override_settings(PRESSROOM_PROXY_COUNT=1)
def test_behind_a_proxy_a_client_sent_header_never_moves_the_lock(editor):
    fail_five_times(lambda guess: f"10.9.9.{guess}, 203.0.113.7")
    for spoofed in ["203.0.113.8", "203.0.113.8, 203.0.113.7, ", "not an address", ""]:
        assert sign_in(PASSWORD, f"{spoofed}, 203.0.113.7").status_code == 429, spoofed


def address(forwarded_for=None, peer="127.0.0.1"):
    from pressroom.client_address import client_address

    headers = {} if forwarded_for is None else {"X-Forwarded-For": forwarded_for}
    return client_address(RequestFactory(REMOTE_ADDR=peer).get("/", headers=headers))


@pytest.mark.parametrize(
    "proxies, forwarded_for, client",
    [
        (0, "198.51.100.1", "127.0.0.1"),
        (1, None, "127.0.0.1"),  # not through the proxy: its peer is the client
        (1, "198.51.100.1,203.0.113.7", "203.0.113.7"),
        (1, "198.51.100.1 , 2001:DB8::1", "2001:db8::1"),
        (2, "203.0.113.7", "127.0.0.1"),  # fewer hops than proxies: the header is not the proxies'
        (2, "198.51.100.1, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (1, "198.51.100.1, garbage", "127.0.0.1"),
        (1, "x" * 100_000, "127.0.0.1"),
        (1, "198.51.100.1, fe80::1%eth0", "127.0.0.1"),
    ],
)
def test_the_client_address_comes_from_the_hop_the_proxies_wrote(proxies, forwarded_for, client):
    with override_settings(PRESSROOM_PROXY_COUNT=proxies):
        assert address(forwarded_for) == client


def test_a_negative_proxy_count_stops_start_up(tmp_path):
    from .test_deployment import settings_process

    started = settings_process(tmp_path, PROXY_COUNT="-1", DEBUG="1")
    assert started.returncode != 0
    assert "PROXY_COUNT is -1" in started.stderr
