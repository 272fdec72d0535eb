"""Pressroom's own query tree: what `query.py` builds from a reader's text and `matching.py` evaluates.

The engine reads Whoosh's storage but not its query classes, so a node means exactly what
matching.py makes of it and nothing Whoosh may add. `normalized` does to a tree what Whoosh's
`Query.normalize()` did when the parser built Whoosh's classes (whoosh/query/compound.py,
positional.py, wrappers.py), so every query matches and ranks as it did; tests/test_query_tree.py
compares the two on random trees.
"""

from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Phrase:
    field: str
    words: tuple[str, ...]
    slop: int = 1  # how far on each word may be from the one before; 1: right after it
    boost: float = 1.0


@dataclass(frozen=True)
class And:
    parts: tuple["Node", ...]


@dataclass(frozen=True)
class Or:
    parts: tuple["Node", ...]


@dataclass(frozen=True)
class Not:
    part: "Node"


@dataclass(frozen=True)
class Everything:
    """Every document: what a search without words looks for."""


@dataclass(frozen=True)
class Nothing:
    """No document: what a compound left without parts stands for."""


Node = Term | Phrase | And | Or | Not | Everything | Nothing


def normalized(node: Node) -> Node:
    """The tree without redundancy, as Whoosh's `normalize()` leaves it."""
    match node:
        case And(parts) | Or(parts):
            return _normalized_compound(type(node), parts)
        case Not(part):
            inner = normalized(part)
            return inner if isinstance(inner, Nothing) else Not(inner)
        case Phrase(field, words) if len(words) < 2:
            # Whoosh makes a phrase of one word a plain Term, dropping its boost and slop.
            return Term(field, words[0]) if words else Nothing()
        case _:
            return node


def _normalized_compound(kind: type[And] | type[Or], parts: tuple[Node, ...]) -> Node:
    """Nested compounds of the same kind flattened; then duplicates, after the first, and Nothing left out."""
    flat: list[Node] = []
    for part in map(normalized, parts):
        flat.extend(part.parts if isinstance(part, kind) else (part,))
    if all(isinstance(part, Nothing) for part in flat):
        return Nothing()
    if any(isinstance(part, Everything) for part in flat):
        return Everything()  # Whoosh's choice for AND as for OR
    kept = [part for part in dict.fromkeys(flat) if not isinstance(part, Nothing)]
    return kept[0] if len(kept) == 1 else kind(tuple(kept))


def terms(node: Node) -> Iterator[tuple[str, str]]:
    """Every (field, word) the tree looks up, a phrase's words included, negated ones too, in order."""
    match node:
        case Term(field, text):
            yield field, text
        case Phrase(field, words):
            for word in words:
                yield field, word
        case And(parts) | Or(parts):
            for part in parts:
                yield from terms(part)
        case Not(part):
            yield from terms(part)
