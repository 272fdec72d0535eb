"""A source's address in one spelling: one feed is one source however its URL was typed."""

from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from articles.harvesting.addresses import source_address
from articles.harvesting.polling import page_file_name


@pytest.mark.parametrize(
    "spelling, address",
    [
        ("HTTP://Ministry.example/feed/", "http://ministry.example/feed/"),
        ("http://ministry.example:80/feed#latest", "http://ministry.example/feed"),
        ("HTTPS://MOFA.example:443", "https://mofa.example/"),
        (
            "https://mofa.example:8443/Press/Feed.xml?Lang=EN#x",
            "https://mofa.example:8443/Press/Feed.xml?Lang=EN",
        ),
        ("http://mofa.example:443/feed", "http://mofa.example:443/feed"),  # not http's default port
        ("http://[2001:DB8::1]:80/feed", "http://[2001:db8::1]/feed"),
        ("http://Ministère.example/communiqués", "http://xn--ministre-60a.example/communiqués"),
        ("  https://mofa.example/feed  ", "https://mofa.example/feed"),
    ],
)
def test_an_address_has_one_spelling(spelling, address):
    assert source_address(spelling) == address


@pytest.mark.parametrize(
    "unreadable", ["", "not an address", "http://mofa.example:port/feed", "http://[::1/feed"]
)
def test_an_address_that_cannot_be_read_is_given_back_for_the_form_to_refuse(unreadable):
    assert source_address(unreadable) == unreadable.strip()


hosts = st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,10}(\.[A-Za-z]{2,6}){1,2}", fullmatch=True)
paths = st.from_regex(r"(/[A-Za-z0-9._~%-]{0,8}){0,4}", fullmatch=True)
queries = st.from_regex(r"([A-Za-z0-9=&%-]{0,12})", fullmatch=True)


@given(st.sampled_from(["http", "https"]), hosts, st.booleans(), paths, queries, st.text(max_size=8))
def test_the_spellings_of_one_address_are_one_and_what_a_server_reads_is_kept(
    scheme, host, default_port, path, query, fragment
):
    query = f"?{query}" if query else ""
    plain = f"{scheme}://{host.lower()}{path}{query}"
    port = {"http": ":80", "https": ":443"}[scheme] if default_port else ""
    shouted = f"{scheme.upper()}://{host.upper()}{port}{path}{query}#{fragment}"
    address = source_address(shouted)
    assert address == source_address(plain) == source_address(address)
    parts = urlsplit(address)
    assert parts.scheme == scheme and parts.hostname == host.lower() and parts.port is None
    assert parts.path == (path or "/") and parts.query == query[1:] and not parts.fragment
    assert source_address(f"{scheme}://{host}:8080{path}") != source_address(f"{scheme}://{host}{path}")


@given(st.text(max_size=300))
def test_any_text_is_given_one_spelling_or_back_without_an_error(text):
    address = source_address(text)
    assert source_address(address) == address


@given(st.text(max_size=400), st.sampled_from([".html", ".pdf"]))
def test_a_page_s_file_name_is_one_safe_name_whatever_its_address(url, suffix):
    name = page_file_name(url, suffix)
    assert name.endswith(suffix) and len(name) <= 200 + len(suffix)
    assert "/" not in name and "\\" not in name and not name.startswith(".")
    assert all(character.isascii() and character.isprintable() for character in name)
