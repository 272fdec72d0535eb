"""Every endpoint and parameter of the public site, over HTTP to gunicorn, with hostile values.

Each test sends one endpoint x parameter with every value of the corpus (tests/hostile/values.py)
and reports every value whose answer was a 5xx, slow, ill-formed (JSON, XML, CSV), unescaped
HTML or carried an injected header. At the end nothing is lost and every worker still runs.
"""

import json
from urllib.parse import quote

import pytest

from .checks import problems
from .values import (
    CONTROL,
    EVERYTHING,
    FOR_OTHER_PARAMETERS,
    INJECTION,
    LONG,
    ODD_IDS,
    REPEATED,
    SHARPEST,
    Nasty,
)
from .web import encode, query_string

# Out of process (gunicorn, a browser, several processes): `make test-fast` leaves these out.
pytestmark = pytest.mark.slow

SEARCH_ENDPOINTS = {
    "/": "text/html",
    "/api/search": "application/json",
    "/feed/": "application/atom+xml",
    "/export.csv": "text/csv",
}
SEARCH_PARAMETERS = ("q", "country", "countries", "from", "to", "sort", "page")
PLANTED_WORD = "quokka"  # in every planted release and no demo one
PLANTED = [
    {
        "title": '<script>alert("planted")</script> Quokka talks in Nairobi',
        "date": "2026-01-05",
        "body": (
            'Kenya and Peru "><img src=x onerror=alert(1)> discussed quokka trade.\n\n'
            "{{ 9|add:31337000 }} ]]> <![CDATA[ &amp;"
        ),
    },
    {
        "title": '=HYPERLINK("http://evil.example","Quokka") trade note',
        "date": "2026-01-04",
        "body": "Quokka trade with Kenya.",
        "source": "=cmd|' /C calc'!A0",
    },
    {
        "title": "Türkiye and Côte d’Ivoire hold counter-terrorism talks in Nur-Sultan",
        "date": "2026-01-03",
        "body": (
            "Türkiye and Côte d'Ivoire discussed counter-terrorism and quokka conservation "
            "in Nur-Sultan, Kazakhstan."
        ),
    },
    {
        "title": "\u202eQuokka 😀 👩‍👩‍👧‍👦 note",
        "date": "2026-01-02",
        "body": "An emoji quokka note from Peru.",
        "source": "@SUM(1)",
    },
    {
        "title": "+Quokka plus -minus",
        "date": "2026-01-01",
        "body": "-Quokka leads with a dash.",
        "source": "-PR",
    },
]


@pytest.fixture(scope="module")
def planted(site, tmp_path_factory):
    """Releases whose stored text is itself hostile (markup, formulas, accents), so results carry it."""
    path = tmp_path_factory.mktemp("planted") / "planted.json"
    path.write_text(json.dumps(PLANTED))
    imported = site.import_files(path)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    found = json.loads(site.client.get(f"/api/search?q={PLANTED_WORD}").body)
    assert found["count"] == len(PLANTED), found
    return {hit["title"]: hit["id"] for hit in found["results"]}


@pytest.fixture(scope="module")
def before(site, planted):
    """The archive and the processes as the hostile requests find them."""
    return {
        "stored": site.stored_article_count(),
        "indexed": site.indexed_article_count(),
        "processes": site.processes(),
    }


def send_all(site, requests, expect_type=None, client=None):
    """Send (label, method, path, headers) concurrently; returns the reports of the bad answers."""
    client = client or site.client

    def one(request):
        label, method, path, headers = request
        try:
            response = client.request(method, path, headers=headers)
        except OSError as error:  # a timeout or a dropped connection is the worst answer of all
            return f"{label}: no answer ({type(error).__name__}: {error})"
        found = problems(response, expect_type=expect_type)
        return f"{label}: {'; '.join(found)}" if found else None

    return [report for report in site.pool.map(one, requests) if report]


def assert_no_reports(reports, site):
    errors = sorted(set(site.server_errors()))
    assert not reports, (
        f"{len(reports)} bad answers:\n  "
        + "\n  ".join(reports)
        + ("\nserver tracebacks so far (last line each):\n  " + "\n  ".join(errors[-30:]) if errors else "")
    )


def parameter_requests(endpoint, parameter, values=EVERYTHING, extra=()):
    for nasty in (*values, REPEATED.get(parameter)):
        if nasty is None:
            continue
        pairs = [(parameter, nasty.value)] * nasty.repeat + list(extra)
        yield f"{endpoint}?{parameter}={nasty.label}", "GET", f"{endpoint}?{query_string(pairs)}", None


@pytest.mark.parametrize("parameter", SEARCH_PARAMETERS)
@pytest.mark.parametrize("endpoint", SEARCH_ENDPOINTS)
def test_search_parameters(site, before, endpoint, parameter):
    # Beside another parameter the query finds the planted releases, so their hostile text is in the answer.
    values, extra = (EVERYTHING, []) if parameter == "q" else (FOR_OTHER_PARAMETERS, [("q", PLANTED_WORD)])
    requests = list(parameter_requests(endpoint, parameter, values, extra))
    assert_no_reports(send_all(site, requests, SEARCH_ENDPOINTS[endpoint]), site)


@pytest.mark.parametrize("endpoint", SEARCH_ENDPOINTS)
def test_hostile_parameter_names(site, before, endpoint):
    requests = [
        (f"{endpoint}?<{n.label}>=1", "GET", f"{endpoint}?{encode(n.value)}=1&q={PLANTED_WORD}", None)
        for n in SHARPEST
    ] + [
        (f"{endpoint}?330 parameters", "GET", endpoint + "?" + "&".join(f"x{i}=1" for i in range(330)), None)
    ]
    assert_no_reports(send_all(site, requests, SEARCH_ENDPOINTS[endpoint]), site)


def test_suggestions(site, before):
    requests = list(parameter_requests("/api/suggest", "q"))
    assert_no_reports(send_all(site, requests, "application/x-suggestions+json"), site)


@pytest.mark.parametrize("path", ["/sitemap.xml", "/sitemap-articles.xml"])
def test_sitemap_pages(site, before, path):
    requests = list(parameter_requests(path, "p")) + [(f"{path} plain", "GET", path, None)]
    assert_no_reports(send_all(site, requests, "application/xml"), site)


@pytest.mark.parametrize("path", ["/healthz", "/robots.txt", "/opensearch.xml", "/api/", "/admin/login/"])
def test_pages_without_parameters_ignore_them(site, before, path):
    requests = list(parameter_requests(path, "q", SHARPEST)) + list(
        parameter_requests(path, "next", SHARPEST)
    )
    assert_no_reports(send_all(site, requests), site)


def _path_segment(nasty: Nasty) -> str:
    return encode(nasty.value)


def test_odd_article_numbers(site, before):
    requests = []
    for odd in ODD_IDS:
        segment = quote(odd, safe="%;.")
        for template in (
            "/articles/{}/",
            "/articles/{}/some-slug/",
            "/api/articles/{}",
            "/articles/{}/some-slug/versions/",
            "/articles/{}/some-slug/versions/1/",
            "/articles/1/some-slug/versions/{}/",
        ):
            requests.append((template.format(odd), "GET", template.format(segment), None))
    assert_no_reports(send_all(site, requests), site)


def test_odd_slugs_redirect_to_the_article(site, before, planted):
    article = next(iter(planted.values()))
    requests = [
        (f"slug {n.label}", "GET", f"/articles/{article}/{_path_segment(n)}/", None) for n in EVERYTHING
    ]
    assert_no_reports(send_all(site, requests), site)
    for nasty in EVERYTHING[:20]:
        answer = site.client.get(f"/articles/{article}/{_path_segment(nasty)}/")
        assert answer.status in (301, 404), (nasty.label, answer.status)


def test_odd_paths_are_not_found(site, before):
    requests = []
    for nasty in EVERYTHING:
        segment = _path_segment(nasty)
        for template in ("/{}", "/api/{}", "/sitemap-{}.xml"):
            requests.append((template.format(nasty.label), "GET", template.format(segment), None))
    assert_no_reports(send_all(site, requests), site)


HEADER_SAFE = [n for n in SHARPEST if "\r" not in str(n.value) and "\n" not in str(n.value)]


def _header_value(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


@pytest.mark.parametrize(
    "header",
    [
        "X-Request-ID",
        "Accept-Language",
        "Cookie",
        "X-Forwarded-For",
        "User-Agent",
        "Referer",
        "If-None-Match",
        "If-Modified-Since",
        "Range",
        "Accept",
        "Host",
    ],
)
def test_hostile_request_headers(site, before, header):
    requests = []
    for nasty in HEADER_SAFE:
        value = _header_value(nasty.value)
        if header == "Cookie":
            value = b"sessionid=" + value + b"; csrftoken=" + value
        for path in ("/?q=kenya", "/admin/login/"):
            requests.append((f"{path} {header}: {nasty.label}", "GET", path, {header: value}))
    assert_no_reports(send_all(site, requests), site)


def test_hostile_methods(site, before):
    requests = [
        (f"{method} {path}", method, path, None)
        for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "HEAD", "PROPFIND", "BREW")
        for path in (
            "/",
            "/api/search",
            "/api/suggest",
            "/feed/",
            "/export.csv",
            "/healthz",
            "/api/articles/1",
            "/sitemap.xml",
        )
    ]
    assert_no_reports(send_all(site, requests), site)


def test_hostile_sign_in(site, before):
    from .web import Client

    visitor = Client(site.url)
    visitor.get("/admin/login/")

    def sign_in(attempt):
        label, fields, nasty = attempt
        try:
            answer = visitor.post(f"/admin/login/?next={encode(nasty.value)}", fields=fields)
        except OSError as error:
            return f"{label}: no answer ({type(error).__name__}: {error})"
        found = problems(answer)
        return f"{label}: {'; '.join(found)}" if found else None

    attempts = []
    for nasty in CONTROL + INJECTION[:6] + LONG[:3]:  # each unknown user name costs a password hash
        # Form fields are text; bytes that are not UTF-8 reach the form as replacement characters.
        value = nasty.value if isinstance(nasty.value, str) else nasty.value.decode("utf-8", errors="replace")
        attempts.append(
            (f"sign-in username={nasty.label}", [("username", value), ("password", value)], nasty)
        )
        attempts.append(
            (f"sign-in password={nasty.label}", [("username", "officer"), ("password", value)], nasty)
        )
    assert_no_reports([report for report in site.pool.map(sign_in, attempts) if report], site)


WORDS_THAT_FIND_THE_ARTICLE = [
    "Türkiye",
    "turkiye",
    "côte d'ivoire",
    "Côte d’Ivoire",
    "counter-terrorism",
    "counter terrorism",
    "Nur-Sultan",
    "nur sultan",
    "Tu\u0308rkiye",
]


@pytest.mark.parametrize("query", WORDS_THAT_FIND_THE_ARTICLE)
def test_words_as_people_write_them_find_the_release(site, planted, query):
    wanted = planted["Türkiye and Côte d’Ivoire hold counter-terrorism talks in Nur-Sultan"]
    found = json.loads(site.client.get(f"/api/search?{query_string([('q', query)])}").body)
    assert wanted in [hit["id"] for hit in found["results"]], (query, found["notes"], found["count"])


def test_nothing_was_lost_and_every_worker_still_runs(site, before):
    """Last in the module: after every hostile request above."""
    assert site.stored_article_count() == before["stored"]
    assert site.indexed_article_count() == before["indexed"]
    health = site.client.get("/healthz")
    assert health.status == 200 and json.loads(health.body)["status"] == "ok", health.text
    assert site.processes() == before["processes"], "a worker died or was replaced (killed by its timeout?)"
    checked = site.check_index()
    assert checked.returncode == 0, checked.stdout + checked.stderr
