"""Snippets: the passages of a release around the words a search matched, those words in <mark>.

Whoosh's highlighter runs every word of the text through the analyzer, a few milliseconds per
long release and most of a search's time. Here a regular expression finds the words (as
Whoosh's tokenizer does), and only those that can be a query word's form (same first two
letters, which stemming never changes) go through the analyzer, once per distinct word.
"""

import functools
import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from whoosh.support.charset import accent_map

from .schema import MAX_WORD_CHARACTERS, SCHEMA

SNIPPET_CHARACTERS = 240
CONTEXT_CHARACTERS = 70
PASSAGES = 2
_WORD = re.compile(r"\w+(?:\.?\w+)*")  # Whoosh's RegexTokenizer default


def snippet(body: str, words: frozenset[str]) -> SafeString:
    """A short body whole, a long one as up to two passages round its matches; its opening without matches."""
    matches = _matches(body, words) if words else []
    if not matches:
        return escape(_opening(body))
    if len(body) <= SNIPPET_CHARACTERS:
        return _marked(body, 0, len(body), matches)
    return mark_safe(
        " … ".join(_marked(body, start, end, matches) for start, end in _passages(body, matches))
    )


def _matches(body: str, words: frozenset[str]) -> list[tuple[int, int, str]]:
    """(start, end, indexed form) of every word of the body that a query word matches."""
    prefixes = {word[:2] for word in words}
    found = []
    for match in _WORD.finditer(body):
        token = match.group().lower()
        prefix = token[:2]
        if not prefix.isascii():  # indexed forms are folded ("turkiy"), so "Türkiye" is compared folded too
            prefix = prefix.translate(accent_map)
        if prefix in prefixes and (form := indexed_form(token)) in words:
            found.append((match.start(), match.end(), form))
    return found


def indexed_form(token: str) -> str | None:
    """The word as the body field indexes it (stemmed).

    None for a stop word or a run too long to be a word.
    """
    # Checked before the cache, which would otherwise keep a hostile release's megabyte "words".
    return _cached_form(token) if len(token) <= MAX_WORD_CHARACTERS else None


@functools.lru_cache(maxsize=50_000)
def _cached_form(token: str) -> str | None:
    return next((t.text for t in SCHEMA["body"].analyzer(token)), None)


def _passages(body: str, matches) -> list[tuple[int, int]]:
    """Up to two character spans, each around the run of matches with the most distinct words."""
    reach = SNIPPET_CHARACTERS - 2 * CONTEXT_CHARACTERS
    runs = []
    for first, (start, _, _) in enumerate(matches):
        last = first
        while last + 1 < len(matches) and matches[last + 1][1] - start <= reach:
            last += 1
        run = matches[first : last + 1]
        runs.append((len({form for *_, form in run}), len(run), -start, run[0][0], run[-1][1]))
    chosen = []
    for *_, start, end in sorted(runs, reverse=True):
        if all(end < other_start or start > other_end for other_start, other_end in chosen):
            chosen.append((start, end))
        if len(chosen) == PASSAGES:
            break
    return [_widened(body, start, end) for start, end in sorted(chosen)]


def _widened(body: str, start: int, end: int) -> tuple[int, int]:
    """The span with some context either side, cut at spaces rather than inside words."""
    left = max(0, start - CONTEXT_CHARACTERS)
    if left:
        space = body.find(" ", left, start)
        left = space + 1 if space != -1 else start
    right = min(len(body), end + CONTEXT_CHARACTERS)
    if right < len(body):
        space = body.rfind(" ", end, right)
        right = space if space != -1 else end
    return left, right


def _marked(body: str, start: int, end: int, matches) -> SafeString:
    pieces, position = [], start
    for match_start, match_end, _ in matches:
        if start <= match_start and match_end <= end:
            pieces += [
                escape(body[position:match_start]),
                "<mark>",
                escape(body[match_start:match_end]),
                "</mark>",
            ]
            position = match_end
    pieces.append(escape(body[position:end]))
    return mark_safe("".join(pieces).strip())


def _opening(body: str) -> str:
    text = " ".join(body.split())
    if len(text) <= SNIPPET_CHARACTERS:
        return text
    return text[:SNIPPET_CHARACTERS].rsplit(" ", 1)[0] + " …"
