"""Which target URLs the admin's webhook form takes (articles/webhooks/targets.py), and what it says
of those it refuses; hostile text is a form error, never a 500."""

import socket
from unittest import mock

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from articles.webhooks.forms import WebhookForm
from articles.webhooks.models import Webhook
from articles.webhooks.targets import target_problem

pytestmark = pytest.mark.django_db


def url_errors(admin_client, url) -> list[str]:
    """The errors the admin's add page shows under the target URL ([] when it saved the webhook)."""
    response = admin_client.post(
        "/admin/articles/webhook/add/",
        {"name": "Newsdesk", "url": url, "query": "q=fisheries", "active": "on", "paused_reason": ""},
    )
    if response.status_code == 302:
        return []
    assert response.status_code == 200
    return list(response.context["adminform"].form.errors.get("url", ["(no error under the URL)"]))


def resolving_to(address: str):
    """socket.getaddrinfo answering `address` for every name (the sandbox has no DNS)."""
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        try:
            return real(host, port, *args, **kwargs, flags=socket.AI_NUMERICHOST)
        except socket.gaierror:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 0))]

    return mock.patch.object(socket, "getaddrinfo", fake)


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("https://user:secret@hooks.example.org/in", "must not hold a user name or password"),
        ("https://hooks.example.org@evil.example/in", "must not hold a user name or password"),
        ("https://hooks.example.org:99999/in", "port must be a number from 1 to 65535"),
        ("https://hooks.example.org:0/in", "port must be a number from 1 to 65535"),
        ("https://xn--zz.example/in", "'xn--zz.example' is not a valid domain name (IDNA)"),
        ("https://\u2603.example/in", "is not a valid domain name (IDNA)"),
        ("ftp://hooks.example.org/in", "must be an http:// or https:// address"),
    ],
)
def test_the_admin_refuses_a_target_it_could_not_post_to_saying_why(admin_client, url, said):
    assert any(said in error for error in url_errors(admin_client, url))
    assert not Webhook.objects.exists()


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("http://127.0.0.1:8000/hook", "127.0.0.1"),
        ("http://localhost/hook", "127.0.0.1"),
        ("http://10.0.0.7/hook", "10.0.0.7"),
        ("http://169.254.169.254/latest/meta-data", "169.254.169.254"),
        ("http://[::1]/hook", "::1"),
        ("http://[::ffff:192.168.1.1]/hook", "::ffff:192.168.1.1"),
    ],
)
def test_the_admin_refuses_a_private_loopback_or_link_local_target(admin_client, settings, url, address):
    settings.PRESSROOM_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    [error] = url_errors(admin_client, url)
    assert f"The target is at {address}" in error and "a private, loopback or link-local address" in error
    assert "PRESSROOM_WEBHOOK_ALLOW_PRIVATE_ADDRESSES" in error


def test_a_name_whose_dns_answer_is_private_is_refused_naming_both(admin_client, settings):
    settings.PRESSROOM_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    with resolving_to("10.1.2.3"):
        [error] = url_errors(admin_client, "https://hooks.intranet.example/in")
    assert "The target is at 10.1.2.3 (hooks.intranet.example), a private" in error


def test_a_public_target_is_taken_in_one_spelling(admin_client, settings):
    settings.PRESSROOM_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    with resolving_to("93.184.215.14"):
        assert url_errors(admin_client, "HTTPS://Hooks.Example.ORG:443/In#top") == []
    assert Webhook.objects.get().url == "https://hooks.example.org/In"


def test_private_targets_are_taken_when_the_setting_allows_them(admin_client):
    assert url_errors(admin_client, "http://127.0.0.1:8000/hook") == []  # tests/settings.py allows them


def _form(url: str) -> WebhookForm:
    return WebhookForm(data={"name": "Fuzz", "url": url, "query": "q=fisheries", "active": "on"})


def _answers_clearly(url: str) -> None:
    """The form takes `url`, and then the sender can use it, or it says why not under the URL."""
    with resolving_to("93.184.215.14"):
        form = _form(url)
        valid = form.is_valid()
    if valid:
        cleaned = form.cleaned_data["url"]
        assert target_problem(cleaned) is None
        parsed = httpx.URL(cleaned)  # as the sender reads it: no exception there either
        assert parsed.scheme in ("http", "https") and parsed.host
    else:
        assert form.errors["url"] and all(error.strip() for error in form.errors["url"])


@given(st.text(max_size=300))
def test_any_text_as_a_target_is_taken_or_refused_with_a_message(db, text):
    _answers_clearly(text)


_hosts = st.one_of(
    st.text(max_size=70),
    st.text(alphabet="abcxyz-.0123456789\u00df\u2603\u0663\u200d", max_size=70),
    st.sampled_from(["hooks.example.org", "xn--zz.example", "[::1]", "[fe80::1%25eth0]", "10.0.0.1", "a..b"]),
)
_targets = st.builds(
    lambda scheme, userinfo, host, port, path: f"{scheme}://{userinfo}{host}{port}{path}",
    st.sampled_from(["http", "https", "HTTPS", "ftp", "javascript", ""]),
    st.sampled_from(["", "user@", "user:pw@", ":@", "@"]),
    _hosts,
    st.one_of(
        st.just(""),
        st.integers(-3, 70000).map(lambda port: f":{port}"),
        st.text(max_size=6).map(":{}".format),
    ),
    st.text(max_size=40).map(lambda tail: "/" + tail),
)


@given(_targets)
def test_any_url_made_of_hostile_parts_is_taken_or_refused_with_a_message(db, url):
    _answers_clearly(url)
