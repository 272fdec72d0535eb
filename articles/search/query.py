"""The one door from user text to a Whoosh query. Nothing else parses what readers type."""
import re
from dataclasses import dataclass, field

from whoosh import qparser
from whoosh.query import Every, NullQuery, Query

from .schema import SCHEMA

MAX_QUERY_CHARACTERS = 300
MAX_QUERY_TERMS = 24
SEARCHED_FIELDS = ("title", "body")
# Everything a reader may type is words, "phrases", (groups), -word, AND / OR / NOT,
# title:word and country:name; other field names, wildcards, ranges and boosts are not
# offered, so they cannot blow up a search.
_UNOFFERED_PLUGINS = (
    qparser.FieldsPlugin,
    qparser.WildcardPlugin,
    qparser.RangePlugin,
    qparser.BoostPlugin,
    qparser.EveryPlugin,
    qparser.SingleQuotePlugin,
)
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
# country:pakistan or country:"united kingdom": a country filter written in the query.
_COUNTRY_FILTER = re.compile(r'(?i)(?<![\w:])country:(?:"([^"]*)"|([^\s"()]+))')


@dataclass(frozen=True)
class UserQuery:
    query: Query
    text: str
    notes: tuple[str, ...] = field(default=())
    # Country names or codes written as country:name, as typed; the form resolves them.
    countries: tuple[str, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return isinstance(self.query, Every)


def _parser():
    parser = qparser.MultifieldParser(list(SEARCHED_FIELDS), SCHEMA, group=qparser.AndGroup)
    parser.add_plugin(qparser.PlusMinusPlugin())  # "-word" leaves out releases with that word
    for plugin in _UNOFFERED_PLUGINS:
        parser.remove_plugin_class(plugin)
    parser.add_plugin(qparser.FieldsPlugin(expr=r"(?P<text>title):"))  # title:word, and no other field
    return parser


_PARSER = _parser()


def parse_user_query(text: str) -> UserQuery:
    """Turn what a reader typed into a safe query; notes say what was changed or ignored."""
    notes = []
    cleaned = " ".join(_CONTROL_CHARACTERS.sub(" ", text or "").split())
    if len(cleaned) > MAX_QUERY_CHARACTERS:
        cleaned = cleaned[:MAX_QUERY_CHARACTERS]
        notes.append(f"Your search was shortened to its first {MAX_QUERY_CHARACTERS} characters.")
    countries = tuple(" ".join((quoted or bare).split()) for quoted, bare in _COUNTRY_FILTER.findall(cleaned))
    cleaned = " ".join(_COUNTRY_FILTER.sub(" ", cleaned).split())
    if cleaned.count('"') % 2:
        cleaned = cleaned.replace('"', " ").strip()
        notes.append("An unmatched quotation mark was ignored.")
    if not cleaned:
        return UserQuery(Every(), "", tuple(notes), countries)
    try:
        query = _PARSER.parse(cleaned)
    except Exception as error:  # Whoosh's parser raises assorted errors on odd input.
        notes.append(f"The search could not be understood ({type(error).__name__}); its words were searched instead.")
        query = _words_only(cleaned)
    query = query.normalize()
    terms = list(query.iter_all_terms())
    if len(terms) > MAX_QUERY_TERMS * len(SEARCHED_FIELDS):
        notes.append(f"Only the first {MAX_QUERY_TERMS} words were searched.")
        query = _words_only(" ".join(cleaned.replace('"', " ").split()[:MAX_QUERY_TERMS])).normalize()
    if query is NullQuery or not list(query.iter_all_terms()):
        notes.append("Your search has no words that can be looked up, so all releases are listed.")
        return UserQuery(Every(), cleaned, tuple(notes), countries)
    return UserQuery(query, cleaned, tuple(notes), countries)


def _words_only(text: str) -> Query:
    words = re.findall(r"\w+", text)
    return _PARSER.parse(" ".join(word for word in words if word.upper() not in {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}))
