"""Which stored release an incoming one is: the rules that decide between an update and a new release.

1. A release that says who it is (an id or URL) is the stored release with that identifier,
   whatever its title.
2. Otherwise (or when no stored release has that identifier), a release with the same title
   and date as stored ones is an update of the one whose text it resembles most, when it
   resembles it at least as much as PRESSROOM_UPDATE_RESEMBLANCE (a correction); else it is
   a new release (another release under a generic headline, a rewrite). A release that gives
   an identifier is compared only with stored releases that have none (which then take its
   identifier): two different identifiers are two releases, whatever their texts.

A release found merged into another is updated itself (and stays merged): a text sent under
its identity is kept as its version, never written over the survivor, which has its own.
"""

from dataclasses import dataclass

from django.conf import settings

from .ingest.parsing import ParsedArticle
from .ingest.similarity import resemblance, shingles
from .models import Article


@dataclass(frozen=True)
class Match:
    """The stored release an incoming one updates (None: it is new), and the rule that decided.

    The rule is for the batch page.
    """

    article: Article | None
    reason: str


def match_article(parsed: ParsedArticle) -> Match:
    if parsed.identifier:
        article = Article.objects.filter(identifier=parsed.identifier).first()
        if article is not None:
            return Match(article, f"same {identifier_kind(parsed)}")
    namesakes = Article.objects.not_merged().filter(title=parsed.title, published=parsed.published)
    if parsed.identifier:
        namesakes = namesakes.without_identifier()
    namesakes = list(namesakes)
    if not namesakes:
        return Match(None, "")
    incoming = shingles(parsed.body)  # once, however many namesakes it is compared with
    scored = sorted(
        ((resemblance(incoming, shingles(other.body)), other) for other in namesakes),
        key=lambda pair: (-pair[0], pair[1].pk),
    )
    best, closest = scored[0]
    if best >= settings.PRESSROOM_UPDATE_RESEMBLANCE:
        return Match(closest, f"{_percent(best)} the same text")
    return Match(
        None, f"same title and date as #{closest.pk} but a different text ({_percent(best)} the same)"
    )


def identifier_kind(parsed: ParsedArticle) -> str:
    """What the sender's identifier is, as the batch page names it."""
    return "source URL" if parsed.identifier == parsed.source_url else "id"


def _percent(fraction: float) -> str:
    # Never "100%" for texts that differ, nor "0%" for texts that share something.
    shown = int(fraction * 100) if fraction < 1 else 100
    return f"{max(shown, 1) if fraction > 0 else 0}%"
