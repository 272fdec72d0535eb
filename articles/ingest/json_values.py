"""JSON read so that a bad value fails alone and nothing but RejectedArticle is ever raised.

A list of releases is read item by item, so that an item nested too deeply for the
decoder (`[[[[...`) fails with its reason while the items around it are read.
"""

import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

from .errors import RejectedArticle

# Numbers stay as written: a 5,000-digit integer would otherwise raise ValueError, and a
# release's fields are text anyway.
_DECODER = json.JSONDecoder(parse_int=str, parse_float=str, parse_constant=str)
_WHITESPACE = re.compile(r"[ \t\n\r]*")
# Outside strings only brackets count; runs of them are one token, so "[" * 100,000 is one step.
_STRUCTURE = re.compile(r'\\.|"|[\[{]+|[\]}]+', re.DOTALL)
TOO_DEEP = "The JSON is nested too deeply to read (a list or object inside hundreds of others)."


@dataclass(frozen=True)
class JsonItem:
    place: str  # "item 3", or "line 7" for a problem with the file's text
    value: object = None
    error: str = ""


def load(text: str):
    """The value `text` holds, or RejectedArticle saying why it is not one JSON value."""
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as error:
        raise RejectedArticle(_not_json(error)) from error
    except RecursionError as error:
        raise RejectedArticle(TOO_DEEP) from error


def list_items(text: str) -> Iterator[JsonItem]:
    """The items of a JSON list (or one object), each parsed on its own."""
    start = _skip_whitespace(text, 0)
    if not text.startswith("[", start):
        yield _document(text)
        return
    position = _skip_whitespace(text, start + 1)
    if text.startswith("]", position):
        yield from _trailing(text, position + 1)
        return
    for number in itertools.count(1):
        item, end = _item(text, position, f"item {number}")
        yield item
        if end is None:
            return
        position = _skip_whitespace(text, end)
        if text.startswith(",", position):
            position = _skip_whitespace(text, position + 1)
        elif text.startswith("]", position):
            yield from _trailing(text, position + 1)
            return
        else:
            yield JsonItem(_line(text, position), error=_stopped("Expecting ',' or ']' after an item"))
            return


def _document(text: str) -> JsonItem:
    try:
        value = _DECODER.decode(text)
    except json.JSONDecodeError as error:
        return JsonItem(f"line {error.lineno}", error=_not_json(error))
    except RecursionError:
        return JsonItem("", error=TOO_DEEP)
    if not isinstance(value, dict):
        return JsonItem("", error="The JSON file must hold an object or a list of objects.")
    return JsonItem("item 1", value)


def _item(text: str, position: int, place: str) -> tuple[JsonItem, int | None]:
    """The item at `position` and where it ends (None: nothing after it can be read)."""
    try:
        value, end = _DECODER.raw_decode(text, position)
    except json.JSONDecodeError as error:
        return JsonItem(f"line {error.lineno}", error=_stopped(_not_json(error).rstrip("."))), None
    except RecursionError:
        end = _end_of_nested_value(text, position)
        if end is None:
            return JsonItem(place, error=_stopped(TOO_DEEP.rstrip("."))), None
        return JsonItem(place, error=TOO_DEEP), end
    return JsonItem(place, value), end


def _end_of_nested_value(text: str, position: int) -> int | None:
    """Where the list or object starting at `position` closes, found without recursion."""
    depth, in_string = 0, False
    for token in _STRUCTURE.finditer(text, position):
        mark = token.group()
        if in_string:
            in_string = mark != '"'
        elif mark == '"':
            in_string = True
        elif mark[0] in "[{":
            depth += len(mark)
        elif mark[0] in "]}":
            if len(mark) >= depth:
                return token.start() + depth
            depth -= len(mark)
    return None


def _trailing(text: str, position: int) -> Iterator[JsonItem]:
    if _skip_whitespace(text, position) != len(text):
        yield JsonItem(_line(text, position), error="Not valid JSON: extra data after the list.")


def _skip_whitespace(text: str, position: int) -> int:
    return _WHITESPACE.match(text, position).end()


def _line(text: str, position: int) -> str:
    return f"line {text.count(chr(10), 0, position) + 1}"


def _not_json(error: json.JSONDecodeError) -> str:
    return f"Not valid JSON: {error.msg} at column {error.colno}."


def _stopped(reason: str) -> str:
    return f"{reason}; the rest of the file was not read."
