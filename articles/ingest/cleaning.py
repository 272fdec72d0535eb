"""Text as it may be stored: no control characters, lone surrogates or non-characters.

What a sender's editor, a PDF copy or a JSON escape can put in a release, and what no page,
feed (XML 1.0 forbids most of them) or database (PostgreSQL refuses NUL) should ever see.
"""

import re

# The controls at which str.splitlines breaks a line (page breaks, NEL, ...) become newlines.
_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85]")
# Every other C0 and C1 control except tab and newline; lone surrogates (only a JSON escape
# such as "\ud800" makes one); and the non-characters: U+FDD0 to U+FDEF and the last two
# code points of every plane (U+FFFE, U+FFFF, U+1FFFE, ...).
_UNWANTED = re.compile(
    "[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(chr(plane << 16 | 0xFFFE) + chr(plane << 16 | 0xFFFF) for plane in range(17))
    + "]"
)


def clean_text(text: str) -> str:
    """`text` with line-ending controls made newlines and the other unwanted characters removed.

    Tabs and newlines stay, for a body's paragraphs; one-line fields collapse their whitespace.
    """
    return _UNWANTED.sub("", _LINE_BREAKS.sub("\n", text))
