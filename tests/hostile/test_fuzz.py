"""Generated query strings and uploads against a gunicorn Pressroom: what the corpus did not think of.

PRESSROOM_FUZZ_EXAMPLES sets how many requests each test sends (the Hypothesis profile's
max_examples otherwise: a few in the suite, thousands under `make fuzz`).
"""

import itertools
import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .checks import problems
from .files import article_text, record
from .test_http import SEARCH_ENDPOINTS, SEARCH_PARAMETERS
from .web import query_string

# Out of process (gunicorn, a browser, several processes): `make test-fast` leaves these out.
pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("PRESSROOM_FUZZ_EXAMPLES", settings().max_examples))
ENDPOINTS = {**SEARCH_ENDPOINTS, "/api/suggest": "application/x-suggestions+json"}
# Text from every plane, and bytes that need not be UTF-8 at all.
values = st.one_of(
    st.text(max_size=60),
    st.binary(max_size=30),
    st.sampled_from(
        [
            "AND",
            "OR",
            "NOT",
            "ANDNOT",
            "ANDMAYBE",
            "REQUIRE",
            '"',
            "(",
            ")",
            "*",
            "~",
            "^2",
            "title:",
            "country:",
            "-",
            "kenya",
            "2019",
            "0019",
            "9999-12-31",
            "10000000000",
        ]
    ),
)
words = st.lists(values, min_size=1, max_size=6).map(
    lambda parts: (
        parts[0]
        if len(parts) == 1
        else " ".join(p.decode("utf-8", "replace") if isinstance(p, bytes) else p for p in parts)
    )
)
pairs = st.lists(st.tuples(st.sampled_from((*SEARCH_PARAMETERS, "p", "format")), words), max_size=6)


@settings(max_examples=EXAMPLES)
@given(endpoint=st.sampled_from(sorted(ENDPOINTS)), query=pairs)
def test_generated_query_strings(site, endpoint, query):
    answer = site.client.get(f"{endpoint}?{query_string(query)}")
    assert not problems(answer, expect_type=ENDPOINTS[endpoint]), (
        problems(answer),
        site.server_errors()[-1:],
    )


_tokens = itertools.count()
storable = st.text(
    st.characters(codec=None, exclude_categories=()), max_size=80
)  # surrogates and controls included


@settings(max_examples=max(EXAMPLES // 4, 10))
@given(
    records=st.lists(st.fixed_dictionaries({"title": storable, "body": storable}), min_size=1, max_size=3),
    kind=st.sampled_from(["json", "jsonl", "txt"]),
)
def test_generated_single_uploads(site, fuzz_office, records, kind):
    """One release at a time through "Upload a release": added, or refused with the form's message."""
    token = f"fuzzword{next(_tokens)}x"  # finds this example's release alone, whatever earlier ones stored
    if kind == "txt":
        content = article_text(records[0]["title"], body=f"{records[0]['body']} {token}").encode(
            "utf-8", "surrogatepass"
        )
    else:
        chosen = [record(r["title"], body=f"{r['body']} {token}") for r in records[:1]]
        content = (json.dumps(chosen) if kind == "json" else json.dumps(chosen[0])).encode(
            "utf-8", "surrogatepass"
        )
    answer = fuzz_office.post("/admin/articles/article/upload/", files=[("release", f"fuzz.{kind}", content)])
    assert answer.status < 500, (answer.status, site.server_errors()[-1:])
    page = fuzz_office.follow(answer)
    assert not problems(page), problems(page)
    for path, kind in (
        ("/feed/", "application/atom+xml"),
        ("/api/search", "application/json"),
        ("/export.csv", "text/csv"),
        ("/", "text/html"),
    ):
        shown = site.client.get(f"{path}?q={token}")
        assert not problems(shown, expect_type=kind), (path, problems(shown), site.server_errors()[-1:])
