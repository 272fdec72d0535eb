"""What a site's robots.txt lets Pressroom fetch, read once per site per poll (RFC 9309).

A robots.txt that is missing (any 4xx answer, or redirects that lead to no web address or more than
five times, RFC 9309 2.3.1.2) allows everything; one that cannot be read (a 5xx
answer, a timeout, no connection) disallows everything until a later poll can read it, as the
RFC asks: the site may be down, and its rules unknown.
"""

from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from .fetching import USER_AGENT_TOKEN, Fetcher, FetchFailed

# RFC 9309 asks crawlers to read at least 500 KiB of a robots.txt, and lets them pass over the rest.
MAX_ROBOTS_BYTES = 512 * 1024


class RobotsRules:
    def __init__(self, fetcher: Fetcher):
        self._fetcher = fetcher
        self._by_site: dict[str, RobotFileParser | FetchFailed] = {}  # its rules, or why they are unknown

    def check(self, url: str, what: str) -> None:
        """Raise FetchFailed when robots.txt forbids fetching `url` (the `what`), or cannot be read."""
        site = _site(url)
        if site not in self._by_site:
            self._by_site[site] = self._read(site, what)
        rules = self._by_site[site]
        if isinstance(rules, FetchFailed):
            raise rules
        if not rules.can_fetch(USER_AGENT_TOKEN, url):
            raise FetchFailed(f"The robots.txt of {site} disallows fetching this {what}.")

    def _read(self, site: str, what: str) -> RobotFileParser | FetchFailed:
        parser = RobotFileParser()
        try:
            # Fetched as the thing it guards: "The feed gave no answer within 10 s" when the site is down.
            answer = self._fetcher.get(f"{site}/robots.txt", what=what, max_bytes=MAX_ROBOTS_BYTES, cut=True)
        except FetchFailed as error:
            if error.status is None:  # no answer at all: the site is unreachable
                return error
            if error.status < 500:
                parser.allow_all = True
                return parser
            return FetchFailed(
                f"The robots.txt of {site} answered {error.status}; "
                "nothing of the site is fetched until it can be read."
            )
        parser.parse(answer.body.decode("utf-8", "replace").splitlines())
        return parser


def _site(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"
