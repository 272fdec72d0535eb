"""The dateline that opens a news story: "ISLAMABAD, Sept 27 -", "STAMFORD, Conn., March 3 -".

Pure text in, the place it names out: a city and, when given, the region or country after
it. Where the story was filed is strong evidence of what it is about, so the extractor
weighs a dateline like a title.
"""

import re
from dataclasses import dataclass

# A dateline sits within the opening characters and ends with a dash ("-", "–", "—") or
# "(Reuters) -"; the place is written in capitals (or as a capitalised name).
DATELINE_MAX_CHARACTERS = 80
_DATELINE = re.compile(
    r"""\A\s*
    (?P<place>[A-Z][A-Za-z.'’ -]*?(?:,\s*[A-Z][A-Za-z.'’ ]*?)?)   # CITY or CITY, Region
    (?:(?:,\s*|\s+)(?P<date>[A-Za-z]{3,9}\.?\s*\d{1,2}|\d{1,2}\s+[A-Za-z]{3,9}\.?),?)?  # , Sept 27 / 2 March
    \s*(?:\([A-Za-z .]+\)\s*)?                                   # (Reuters)
    [-–—]+\s""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Dateline:
    city: str
    region: str  # "" when the dateline names only a city
    end: int  # where the story's first sentence begins


def find_dateline(text: str) -> Dateline | None:
    """The dateline at the start of `text`, or None when the text does not open with one."""
    match = _DATELINE.match(text[: DATELINE_MAX_CHARACTERS + 10])
    if not match or match.end() > DATELINE_MAX_CHARACTERS + 10:
        return None
    city, _, region = (part.strip() for part in match.group("place").partition(","))
    if not city or not (city.isupper() or region or match.group("date")):
        # "The minister said - " is a sentence, not a dateline: the city is written in capitals
        # ("KARACHI -"), or followed by its region or the date ("Detroit, Mich. -", "Detroit, March 4 -").
        return None
    return Dateline(city=city, region=region, end=match.end())
