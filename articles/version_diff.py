"""What changed between two versions of a release, as an editor reads it: the fields side by
side, the text word by word, long unchanged stretches folded away.

The text is compared as words, not letters: each distinct word (run of spaces, punctuation
mark) becomes one character, so Myers' diff walks a few hundred thousand symbols for a
2 MB release, and stops at a time limit with a coarser but still correct answer.
"""

import re
import time
from dataclasses import dataclass

from diff_match_patch import diff_match_patch
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .history import changed_fields, version_fields

DIFF_SECONDS = 1.0  # Diff_Timeout: past it, the rest of the texts is compared coarsely
CONTEXT_WORDS = 30  # unchanged words shown either side of a change
# diff_cleanupSemantic inserts into its list of edits, so its cost grows with the square of
# their number: it tidies this many edits at a time, cut where the texts agree.
CLEANUP_RUN = 2000
_WORD = re.compile(r"\w+|\s+|[^\w\s]")
_LINE = re.compile(r"[^\n]*\n|[^\n]+")
_MOST_SYMBOLS = 0x110000  # the code points there are
_LABELS = {
    "title": "Title",
    "published": "Date",
    "body": "Text",
    "source": "Source",
    "source_url": "Source URL",
    "countries": "Countries",
}
_KINDS = {
    diff_match_patch.DIFF_EQUAL: "same",
    diff_match_patch.DIFF_INSERT: "ins",
    diff_match_patch.DIFF_DELETE: "del",
}


@dataclass(frozen=True)
class Piece:
    """A stretch of text: "same", "ins" (only in the newer version), "del" (only in the older), or
    "gap" (unchanged words left out; `text` says how many)."""

    kind: str
    text: str


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class VersionDiff:
    fields: list[FieldChange]  # each changed field but the text, as the editor reads it
    text: list[Piece]  # empty when the text is the same
    text_in_time: bool = True  # False: some changed stretches are shown replaced whole, not word by word

    @property
    def nothing_changed(self) -> bool:
        return not self.fields and not self.text


def compare_versions(older, newer) -> VersionDiff:
    """How `newer` differs from `older` (two ArticleVersions of one release)."""
    before, after = version_fields(older), version_fields(newer)
    changed = changed_fields(before, after)
    fields = [
        FieldChange(_LABELS[name], _shown(name, before[name]), _shown(name, after[name]))
        for name in changed
        if name != "body"
    ]
    if "body" not in changed:
        return VersionDiff(fields, [])
    text = word_diff(before["body"], after["body"])
    return VersionDiff(fields, fold_unchanged(text.pieces), text.in_time)


def countries_shown(countries: dict[str, float]) -> str:
    """A version's countries as the admin lists them: "KE 5, UG 2"."""
    by_weight = sorted(countries.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{code} {weight:g}" for code, weight in by_weight) or "none"


def _shown(name: str, value) -> str:
    if name == "countries":
        return countries_shown(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value) or "(empty)"


@dataclass(frozen=True)
class TextDiff:
    pieces: list[Piece]
    # False: the time ran out, and some stretches may be shown replaced whole rather than word by word
    in_time: bool


def word_diff(old: str, new: str, *, seconds: float = DIFF_SECONDS) -> TextDiff:
    """`old` turned into `new` word by word: read in order, the "same" and "del" pieces give `old`,
    the "same" and "ins" pieces give `new`.

    Lines are compared first and then, within each stretch of changed lines, words, as
    diff_match_patch's line mode does: a long release with a few corrections is two quick diffs.
    """
    differ = diff_match_patch()
    deadline = time.time() + seconds  # one limit for every diff below (diff_match_patch keeps time.time())
    pieces, deleted, inserted = [], [], []
    for piece in [
        *_diff(differ, _LINE.findall(old), _LINE.findall(new), deadline, tidy=False),
        Piece("same", ""),
    ]:
        if piece.kind != "same":
            (deleted if piece.kind == "del" else inserted).extend(_LINE.findall(piece.text))
            continue
        if len(deleted) == len(inserted):  # as many lines replaced as replacing: each was edited
            for before, after in zip(deleted, inserted, strict=True):
                pieces += _diff(differ, _WORD.findall(before), _WORD.findall(after), deadline, tidy=True)
        elif deleted and inserted:  # lines replaced: which of their words changed?
            pieces += _diff(
                differ, _WORD.findall("".join(deleted)), _WORD.findall("".join(inserted)), deadline, tidy=True
            )
        else:
            pieces += [Piece("del", "".join(deleted)), Piece("ins", "".join(inserted))]
        pieces.append(piece)
        deleted, inserted = [], []
    return TextDiff(_joined(pieces), in_time=time.time() < deadline)


def _diff(
    differ: diff_match_patch, old: list[str], new: list[str], deadline: float, *, tidy: bool
) -> list[Piece]:
    """Two texts cut into tokens (lines or words) compared token by token, each token one character."""
    tokens, symbols = [], {}
    encoded_old, encoded_new = _encoded(old, tokens, symbols), _encoded(new, tokens, symbols)
    if len(tokens) > _MOST_SYMBOLS:  # more distinct tokens than characters to stand for them: compare letters
        encoded_old, encoded_new, tokens = "".join(old), "".join(new), None
    edits = differ.diff_main(encoded_old, encoded_new, False, deadline)
    if tidy:
        edits = _tidied(differ, edits)
    return [
        Piece(_KINDS[op], text if tokens is None else "".join([tokens[ord(symbol)] for symbol in text]))
        for op, text in edits
    ]


def _encoded(text: list[str], tokens: list[str], symbols: dict[str, str]) -> str:
    """One character per token; `tokens` and `symbols` are shared by the two texts compared."""
    encoded = []
    for token in text:
        symbol = symbols.get(token)
        if symbol is None:
            symbol = symbols[token] = chr(
                len(tokens) % _MOST_SYMBOLS
            )  # past the last, _diff compares letters
            tokens.append(token)
        encoded.append(symbol)
    return "".join(encoded)


def _joined(pieces: list[Piece]) -> list[Piece]:
    """Neighbouring pieces of one kind as one (stretches compared apart meet again), empty ones dropped."""
    joined = []
    for piece in pieces:
        if joined and joined[-1].kind == piece.kind:
            joined[-1] = Piece(piece.kind, joined[-1].text + piece.text)
        elif piece.text:
            joined.append(piece)
    return joined


def _tidied(differ: diff_match_patch, edits: list) -> list:
    """The edits after diff_cleanupSemantic (no sliver of sameness left between two edits), run on
    bounded runs of them so that it takes time in proportion to the texts."""
    tidied, run = [], []
    for edit in edits:
        run.append(edit)
        if len(run) >= CLEANUP_RUN and edit[0] == diff_match_patch.DIFF_EQUAL:
            differ.diff_cleanupSemantic(run)
            tidied += run
            run = []
    differ.diff_cleanupSemantic(run)
    return tidied + run


def fold_unchanged(pieces: list[Piece], *, context: int = CONTEXT_WORDS) -> list[Piece]:
    """Unchanged stretches cut down to the `context` words next to each change, with a "gap" piece
    for what is left out."""
    folded = []
    for place, piece in enumerate(pieces):
        words = _WORD.findall(piece.text) if piece.kind == "same" else []
        head = _tokens_for_words(words, context) if place > 0 else 0
        tail = _tokens_for_words(words[::-1], context) if place < len(pieces) - 1 else 0
        while head and words[head - 1].isspace():  # the spaces next to the gap go with it
            head -= 1
        while tail and words[len(words) - tail].isspace():
            tail -= 1
        left_out = words[head : len(words) - tail]
        if sum(not word.isspace() for word in left_out) <= context:  # not worth folding
            folded.append(piece)
            continue
        folded += [Piece("same", "".join(words[:head]))] if head else []
        folded.append(Piece("gap", f"{sum(not word.isspace() for word in left_out):,} words unchanged"))
        folded += [Piece("same", "".join(words[len(words) - tail :]))] if tail else []
    return folded


def _tokens_for_words(tokens: list[str], count: int) -> int:
    """How many of `tokens`, from the start, hold `count` words (the spaces between them included)."""
    seen = 0
    for taken, token in enumerate(tokens):
        seen += not token.isspace()
        if seen > count:
            return taken
    return len(tokens)


def pieces_html(pieces: list[Piece]) -> SafeString:
    """The pieces as HTML: <ins> and <del>, each text escaped.

    They are styled by the admin's stylesheet, never inline.
    """
    shapes = {
        "same": "{}",
        "ins": "<ins>{}</ins>",
        "del": "<del>{}</del>",
        "gap": '<span class="diff-gap">[… {} …]</span>',
    }
    return mark_safe("".join(shapes[piece.kind].format(escape(piece.text)) for piece in pieces))
