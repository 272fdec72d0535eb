"""The one door from user text to a query (a query_tree.Node). Nothing else parses what readers type.

The grammar is ours, small and documented (README, "Using it"), and nothing else reaches the
index: words, "quoted phrases", (groups), -word and NOT word, a OR b, AND, title:word, and
country:name (taken out for the country filter). Every other character is plain text: Whoosh's
own parser knows operators (REQUIRE, ANDMAYBE, ranges, boosts, wildcards, field names) that
broke searches, so it is not used. Parsing is one pass over at most MAX_QUERY_CHARACTERS.
"""

import re
from dataclasses import dataclass, field

from .query_tree import And, Everything, Node, Not, Or, Phrase, Term, normalized
from .schema import SCHEMA, searchable_text

MAX_QUERY_CHARACTERS = 300
MAX_QUERY_TERMS = 24
MAX_GROUP_DEPTH = 8  # deeper brackets are read as plain text
SEARCHED_FIELDS = ("title", "body")
OPERATORS = ("AND", "OR", "NOT")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff]")
# country:pakistan or country:"united kingdom": a country filter written in the query.
_COUNTRY_FILTER = re.compile(r'(?i)(?<![\w:])country:(?:"([^"]*)"|([^\s"()]+))')
# Quotes, brackets and spaces delimit; anything else belongs to the word it touches. A sign
# before a quote or bracket belongs to it: -"peace talks", -(a b).
_TOKEN = re.compile(r'[-+]*"[^"]*"?|[-+]*\(|\)|[^\s"()]+')
_TITLE_PREFIX = re.compile(r"(?i)^title:")
# Words joined by hyphens ("counter-terrorism", "Nur-Sultan") are one phrase; a leading "-" negates.
_HYPHENATED = re.compile(r"\w-+\w")


@dataclass(frozen=True)
class UserQuery:
    query: Node  # normalized, as query_tree.normalized leaves it
    text: str
    notes: tuple[str, ...] = field(default=())
    # Country names or codes written as country:name, as typed; the form resolves them.
    countries: tuple[str, ...] = field(default=())
    # The indexed forms of the words the query looks for (not those it leaves out), to highlight.
    wanted_words: frozenset[str] = field(default=frozenset())

    @property
    def is_empty(self) -> bool:
        return isinstance(self.query, Everything)


def parse_user_query(text: str) -> UserQuery:
    """Turn what a reader typed into a query; notes say what was changed or ignored."""
    notes = []
    cleaned = " ".join(_CONTROL_CHARACTERS.sub(" ", searchable_text(text or "")).split())
    if len(cleaned) > MAX_QUERY_CHARACTERS:
        cleaned = cleaned[:MAX_QUERY_CHARACTERS]
        notes.append(f"Your search was shortened to its first {MAX_QUERY_CHARACTERS} characters.")
    countries = tuple(" ".join((quoted or bare).split()) for quoted, bare in _COUNTRY_FILTER.findall(cleaned))
    cleaned = " ".join(_COUNTRY_FILTER.sub(" ", cleaned).split())
    if cleaned.count('"') % 2:
        cleaned = cleaned.replace('"', " ").strip()
        notes.append("An unmatched quotation mark was ignored.")
    parser = _Parser(_TOKEN.findall(cleaned))
    query = parser.parse()
    if parser.truncated:
        notes.append(f"Only the first {MAX_QUERY_TERMS} words were searched.")
    if query is None:
        if cleaned:
            notes.append("Your search has no words that can be looked up, so all releases are listed.")
        return UserQuery(Everything(), cleaned, tuple(notes), countries)
    return UserQuery(normalized(query), cleaned, tuple(notes), countries, frozenset(parser.wanted_words))


class _Parser:
    """Recursive descent over the tokens; OR binds its neighbours, then everything is ANDed.

    query    := clause+                      (AND between clauses is optional)
    clause   := negated (OR negated)*
    negated  := ("-" | "NOT" | "+") negated | atom
    atom     := "(" query ")" | "phrase" | title:atom | word
    """

    def __init__(self, tokens: list[str]):
        self.tokens = tokens
        self.position = 0
        self.depth = 0
        self.terms = 0
        self.truncated = False
        self.wanted_words: set[str] = set()
        self.negations = 0  # how many negations enclose the atom being read

    def parse(self) -> Node | None:
        return self._query(fields=SEARCHED_FIELDS)

    def _peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _query(self, fields) -> Node | None:
        clauses = []
        while (token := self._peek()) is not None and not (token == ")" and self.depth):
            if token in ("AND", ")", "OR"):  # an AND is the default; a stray ")" or OR joins nothing
                self.position += 1
                continue
            clause = self._clause(fields)
            if clause is not None:
                clauses.append(clause)
        return _joined(And, clauses)

    def _clause(self, fields) -> Node | None:
        alternatives = [self._negated(fields)]
        while self._peek() == "OR":
            self.position += 1
            if self._peek() is None or self._peek() in ("OR", "AND", ")"):
                break
            alternatives.append(self._negated(fields))
        return _joined(Or, [alternative for alternative in alternatives if alternative is not None])

    def _negated(self, fields) -> Node | None:
        token = self._peek()
        if token is None:
            return None
        if token == "NOT" or (token.startswith("-") and token.lstrip("-")):
            if token == "NOT":
                self.position += 1
            else:
                self.tokens[self.position] = token.lstrip("-")  # "--word" is one negation, not two
            self.negations += 1
            inner = self._negated(fields)
            self.negations -= 1
            return Not(inner) if inner is not None else None
        if token.startswith("+") and token.lstrip("+"):
            self.tokens[self.position] = token.lstrip("+")  # "+word": every word is required anyway
            return self._negated(fields)
        return self._atom(fields)

    def _atom(self, fields) -> Node | None:
        token = self._peek()
        if token is None or token == ")":
            return None  # the group's end is its reader's to take
        self.position += 1
        if token == "(":
            if self.depth >= MAX_GROUP_DEPTH:
                return None
            self.depth += 1
            inner = self._query(fields)
            self.depth -= 1
            if self._peek() == ")":
                self.position += 1
            return inner
        if _TITLE_PREFIX.match(token):
            rest = token[len("title:") :]
            if rest:
                self.tokens[self.position - 1] = rest
                self.position -= 1
                return self._atom(("title",))
            return self._atom(("title",))
        if token.startswith('"'):
            return self._words(token.strip('"'), fields, phrase=True)
        return self._words(token, fields, phrase=bool(_HYPHENATED.search(token)))

    def _words(self, text: str, fields, *, phrase: bool) -> Node | None:
        """A word, or a phrase when quoted or hyphenated, searched in each of the fields."""
        words = [token.text for token in SCHEMA["body"].analyzer(text)]
        room = MAX_QUERY_TERMS - self.terms
        if len(words) > room:
            self.truncated = True
            words = words[: max(room, 0)]
        if not words:
            return None
        self.terms += len(words)
        if not self.negations:
            self.wanted_words.update(words)
        if phrase and len(words) > 1:
            return _joined(Or, [Phrase(name, tuple(words)) for name in fields])
        # Several words in one unquoted token ("aa:bb", "pakistan~2"): each must match.
        return _joined(And, [_joined(Or, [Term(name, word) for name in fields]) for word in words])


def _joined(kind, parts: list[Node]) -> Node | None:
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else kind(tuple(parts))
