"""Values an outsider can put in a query string or a path, written for this suite.

Each is (label, value): the label names it in a failure report; the value is text (sent as
UTF-8) or bytes (sent as they are, so invalid UTF-8 reaches the server).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Nasty:
    label: str
    value: str | bytes
    repeat: int = 1  # the parameter sent this many times

    def __str__(self):
        return self.label


def _values(*pairs) -> tuple[Nasty, ...]:
    return tuple(Nasty(label, value) for label, value in pairs)


# The Whoosh query language in every odd place: operators alone or dangling, fields, wildcards,
# ranges, boosts, fuzzy terms, groups and quotes left open.
QUERY_SYNTAX = _values(
    ("REQUIRE", "REQUIRE"),
    ("ANDMAYBE", "ANDMAYBE"),
    ("ANDNOT", "ANDNOT"),
    ("NOT", "NOT"),
    ("OR", "OR"),
    ("AND", "AND"),
    ("AND OR NOT", "AND OR NOT"),
    ("trailing AND", "kenya AND"),
    ("leading OR", "OR kenya"),
    ("NOT NOT NOT", "NOT NOT NOT"),
    ("trailing ANDNOT", "kenya ANDNOT"),
    ("REQUIRE between", "kenya REQUIRE trade"),
    ("leading ANDMAYBE", "ANDMAYBE trade"),
    ("trailing ANDMAYBE", "trade ANDMAYBE"),
    ("lower-case operators", "kenya and or not trade"),
    ("field:", "field:"),
    ("title:", "title:"),
    ("country:", "country:"),
    ("country: open quote", 'country:"'),
    ("country: unclosed name", 'country:"united'),
    ("title:title:", "title:title:title:"),
    ("body:kenya", "body:kenya"),
    ("published:", "published:2019"),
    ("id:1", "id:1"),
    ("title:(open", "title:(kenya OR"),
    ("country:nowhere", "country:atlantis"),
    ("country: twice", "country:pk country:in"),
    ("empty fields", 'country:"" title:""'),
    ("*", "*"),
    ("?", "?"),
    ("~", "~"),
    ("fuzzy", "kenya~"),
    ("fuzzy 2", "kenya~2"),
    ("boost ^2", "kenya^2"),
    ("^", "^"),
    ("range", "[a TO b]"),
    ("open range", "[* TO *]"),
    ("exclusive range", "{a TO b}"),
    ("{}", "{}"),
    ("()", "()"),
    ("(((", "((("),
    (")))", ")))"),
    ("(kenya", "(kenya"),
    ("kenya)", "kenya)"),
    ('"', '"'),
    ('"""', '"""'),
    ('"kenya', '"kenya'),
    ('kenya"', 'kenya"'),
    ("'", "'"),
    ("''", "''"),
    ("-", "-"),
    ("--", "--"),
    ("-kenya", "-kenya"),
    ("+", "+"),
    ("+-+-", "+-+-"),
    ("\\", "\\"),
    ("*:*", "*:*"),
    ("title:*", "title:*"),
    ("prefix*", "kenya*"),
    ("k*a", "k*a"),
    ("::::", "::::"),
    ("a:b:c", "a:b:c"),
    ("nested groups", "(trade OR) AND (NOT)"),
    ("trailing NOT", "trade NOT"),
    ("<>", "<>"),
)

# Words as people write them: hyphens, accents, other scripts, compatibility forms.
WORDS = _values(
    ("counter-terrorism", "counter-terrorism"),
    ("Nur-Sultan", "Nur-Sultan"),
    ("leading hyphen", "-terrorism"),
    ("double hyphen", "counter--terrorism"),
    ("Türkiye", "Türkiye"),
    ("côte d'ivoire", "côte d'ivoire"),
    ("Côte d’Ivoire curly", "Côte d’Ivoire"),
    ("São Tomé", "São Tomé"),
    ("Türkiye decomposed", "Tu\u0308rkiye"),
    ("İstanbul dotted I", "İstanbul"),
    ("Straße", "Straße"),
    ("ﬁ ligature", "ﬁsheries"),
    ("fullwidth", "ｋｅｎｙａ"),
    ("Cyrillic", "Казахстан"),
    ("Arabic", "پاکستان"),
    ("CJK", "中国"),
    ("Greek", "Ελλάδα"),
)

# Characters a URL can carry that text files and XML cannot: controls, non-characters,
# lone surrogates and bytes that are not UTF-8 at all.
CONTROL = _values(
    ("NUL", "\x00"),
    ("NUL inside", "kenya\x00trade"),
    ("U+0001", "\x01"),
    ("ESC sequence", "\x1b[31mred"),
    ("DEL", "\x7f"),
    ("NEL U+0085", "\x85"),
    ("line separator U+2028", "kenya\u2028trade"),
    ("U+FFFE", "\ufffe"),
    ("U+FFFF", "\uffff"),
    ("BOM", "\ufeffkenya"),
    ("zero-width space", "ken\u200bya"),
    ("lone surrogate %ED%A0%80", b"\xed\xa0\x80"),
    ("byte %FF", b"\xff"),
    ("kenya%FF", b"kenya\xff"),
    ("overlong slash %C0%AF", b"\xc0\xaf"),
    ("truncated UTF-8", b"\xe2\x82"),
    ("double-encoded surrogate", "%ED%A0%80"),
    ("percent", "%"),
    ("tab and newline", "kenya\t\ntrade"),
)

LONG = _values(
    ("10,000 a", "a" * 10_000),
    ("2,000 words", "kenya " * 2_000),
    ("10,000 (", "(" * 10_000),
    ('10,001 "', '"' * 10_001),
    ("1,500 ORs", "kenya OR " * 1_500),
    ("10,000 é", "é" * 10_000),
    ("2,500 emoji", "😀" * 2_500),
    ("10,000 -", "-" * 10_000),
    ("1,000 country:", "country:pk " * 1_000),
    ("10,000 digits", "1" * 10_000),
)

# What the date and page parameters see: years out of range, impossible days, huge numbers.
NUMBERS_AND_DATES = _values(
    ("0020", "0020"),
    ("0999", "0999"),
    ("0001", "0001"),
    ("0000", "0000"),
    ("9999", "9999"),
    ("9999-12-31", "9999-12-31"),
    ("0001-01-01", "0001-01-01"),
    ("10000", "10000"),
    ("-1", "-1"),
    ("2019-13", "2019-13"),
    ("2019-00", "2019-00"),
    ("2019-02-30", "2019-02-30"),
    ("2019-02-29", "2019-02-29"),
    ("2019-9-27", "2019-9-27"),
    ("27 Sep, 0019", "27 Sep, 0019"),
    ("31 Dec, 9999", "31 Dec, 9999"),
    ("ISO datetime", "2019-09-27T00:00:00"),
    ("slashes", "2019/09/27"),
    ("0", "0"),
    ("10**20", str(10**20)),
    ("2**63", str(2**63)),
    ("NaN", "NaN"),
    ("inf", "inf"),
    ("1e9", "1e9"),
    ("1.5", "1.5"),
    ("0x10", "0x10"),
    ("fullwidth 1", "１"),
    ("Arabic-Indic 12", "١٢"),
    ("space 1", " 1"),
    ("yesterday", "yesterday"),
)

SORTS = _values(
    ("sort garbage", "garbage"),
    ("NEWEST", "NEWEST"),
    ("newest+space", "newest "),
    ("-published", "-published"),
    ("__class__", "__class__"),
    ("relevance;", "relevance;"),
)

# Other languages' syntax: SQL, HTML, JavaScript, templates, format strings, paths, headers.
INJECTION = _values(
    ("SQL OR 1=1", "' OR 1=1 --"),
    ("SQL DROP", '"; DROP TABLE articles_article; --'),
    ("<script>", '<script>alert("pr-xss")</script>'),
    ("attribute break", '"><img src=x onerror=alert(1)>'),
    ("svg onload", "<svg/onload=alert(1)>"),
    ("iframe", "<iframe src=javascript:alert(1)>"),
    ("javascript:", "javascript:alert(1)"),
    ("Django {{ }}", "{{ 9|add:31337000 }}"),
    ("Django {% debug %}", "{% debug %}"),
    ("Django {% load %}", "{% load static %}"),
    ("${}", "${7*7}"),
    ("#{}", "#{7*7}"),
    ("<%= %>", "<%= 7*7 %>"),
    ("printf", "%s%s%s%n"),
    ("str.format", "{0.__class__}"),
    ("log4j", "${jndi:ldap://x}"),
    ("path traversal", "../../../../etc/passwd"),
    ("encoded traversal", "..%2f..%2fetc%2fpasswd"),
    ("Windows path", "C:\\Windows\\win.ini"),
    ("CRLF header", "\r\nX-Injected: yes"),
    ("CRLF cookie", "kenya\r\nSet-Cookie: evil=1"),
    ("CDATA end", "]]>"),
    ("CDATA start", "<![CDATA["),
    ("entity", "&amp;&#0;&lt;"),
    ("XML declaration", "<?xml version='1.0'?>"),
    ("comment", "<!--"),
    ("RTL override", "\u202eevil"),
    ("RLM", "\u200fkenya"),
    ("emoji", "😀"),
    ("family ZWJ", "👩‍👩‍👧‍👦"),
    ("flag", "🇵🇰"),
    ("combining", "A\u0301\u0301\u0301"),
)

EVERYTHING = QUERY_SYNTAX + WORDS + CONTROL + LONG + NUMBERS_AND_DATES + SORTS + INJECTION


def repeated(value: str, times: int = 330) -> Nasty:
    return Nasty(f"{value} x{times}", value, repeat=times)


# The same parameter many times, with a value each parameter understands.
REPEATED = {
    "q": repeated("kenya"),
    "country": repeated("PK"),
    "countries": repeated("all"),
    "from": repeated("2019"),
    "to": repeated("2020"),
    "sort": repeated("newest"),
    "page": repeated("2"),
    "p": repeated("1"),
}

# Path segments where the URL takes a number: leading zeros, huge, negative, other digits.
ODD_IDS = (
    "01091",
    "0",
    "00000000000000000000000000001",
    "-1",
    str(10**20),
    str(2**63 - 1),
    str(2**63),
    str(2**64),
    "1" * 1000,
    "1e3",
    "١٢",
    "1.0",
    "%20",
    "%00",
    "%FF",
    "%ED%A0%80",
    "..",
    "%2e%2e",
    "1;2",
    "1%0d%0aX-Injected:%20yes",
)

# Parameters that are not a search query (country, sort, page, dates) get everything but most
# of the query syntax; names, headers and pages that take no parameters get the sharpest values.
FOR_OTHER_PARAMETERS = CONTROL + LONG + NUMBERS_AND_DATES + SORTS + INJECTION + QUERY_SYNTAX[:8] + WORDS[:6]
SHARPEST = CONTROL + INJECTION + LONG[:3]
