"""A synthetic index of the project's schema at a given size, for measuring search at scale.

    .venv/bin/python bench/scale_index.py /tmp/scale-index --documents 1000000 --segments 5

No database: small documents (a title of 3-6 words, a body of 12-30, from a Zipf vocabulary in
which the benchmark's query words and phrases are common) naming 1-3 countries each, written
as the project writes (separate segment files, one commit per segment, no merging), then 1% of
the first segment deleted, as edits leave it. Searched with the project's SCHEMA, but written
with a space tokenizer over words the project's analyzer has already made (stemmed once per
word of the vocabulary, not once per use), and with only the benchmark's phrases in the pairs
field (random neighbours are nearly all pairs of one document, and writing them is most of
the time): about 2,000 documents a second on one core.
"""

import argparse
import datetime
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from harness import QUERY_PHRASES, QUERY_WORDS  # noqa: E402
from whoosh import index as whoosh_index  # noqa: E402
from whoosh.analysis import SpaceSeparatedTokenizer  # noqa: E402
from whoosh.fields import TEXT, Schema  # noqa: E402

from articles.search.schema import SCHEMA, PairsFilter, country_terms  # noqa: E402

VOCABULARY = 30_000
COUNTRIES = 200


def vocabulary(rng):
    common = list(QUERY_WORDS) + "joint working group cyber understanding ministry visit".split()
    letters = "bcdfghklmnprstvz", "aeiou"
    made = set(common)
    while len(made) < VOCABULARY:
        made.add("".join(rng.choice(letters[i % 2]) for i in range(rng.randint(5, 9))))
    rest = sorted(made - set(common))
    rng.shuffle(rest)
    analyzer = SCHEMA["body"].analyzer
    common = [analyzed(analyzer, word) for word in common]
    rest = [analyzed(analyzer, word) for word in rest]
    # The query words among the 200 most common, as in the generated releases.
    words = rest[:200]
    for number, word in enumerate(common):
        words.insert(number * 5, word)
    return words + rest[200:]


def analyzed(analyzer, text):
    return " ".join(token.text for token in analyzer(text))


def writing_schema():
    """The project's schema, its words fields split at spaces (their text is analyzed already)."""
    fields = {name: SCHEMA[name] for name in SCHEMA.names()}
    for name in ("title", "body"):
        fields[name] = TEXT(analyzer=SpaceSeparatedTokenizer(), field_boost=SCHEMA[name].format.field_boost)
    fields["pairs"] = TEXT(analyzer=SpaceSeparatedTokenizer() | PairsFilter(sep=" "), phrase=False)
    return Schema(**fields)


def documents(first, count, words, codes, seed):
    rng = np.random.default_rng(seed)
    word_p = 1 / (np.arange(len(words)) + 2.7)
    word_p /= word_p.sum()
    country_p = 1 / (np.arange(len(codes)) + 1.5)
    country_p /= country_p.sum()
    lengths = rng.integers(3, 7, count), rng.integers(12, 31, count)
    drawn = rng.choice(len(words), size=int(lengths[0].sum() + lengths[1].sum()), p=word_p)
    names = rng.choice(len(codes), size=(count, 3), p=country_p)
    named = rng.integers(1, 4, count)
    days = rng.integers(0, 26 * 365, count)
    phrase = rng.integers(0, 8 * len(QUERY_PHRASES), count)
    analyzer = SCHEMA["body"].analyzer
    phrases = [analyzed(analyzer, text) for text in QUERY_PHRASES]
    at = 0
    for number in range(count):
        title = " ".join(words[i] for i in drawn[at : at + lengths[0][number]])
        at += lengths[0][number]
        body = " ".join(words[i] for i in drawn[at : at + lengths[1][number]])
        at += lengths[1][number]
        pairs = ""
        if phrase[number] < len(QUERY_PHRASES):
            pairs = phrases[phrase[number]]
            body = f"{body} {pairs}"
        tags = {(codes[i], float(1 + (number + k) % 6)) for k, i in enumerate(names[number][: named[number]])}
        published = datetime.date(2000, 1, 1) + datetime.timedelta(days=int(days[number]))
        yield {
            "id": str(first + number),
            "title": title,
            "body": body,
            "pairs": pairs,
            "published": published.year * 10000 + published.month * 100 + published.day,
            "countries": country_terms(sorted(tags)),
            "source": "synthetic",
        }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--segments", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(19)
    words = vocabulary(rng)
    codes = ["PK", "IN", "RU", "CN", "US", "FR", "DE", "KE", "BR", "TR", "IR", "EG"]
    codes += sorted({a + b for a in "ABCDGHJLMNOPSTUVZ" for b in "ABCDEFGHLMNRSTWYZ"} - set(codes))[
        : COUNTRIES - 12
    ]
    args.directory.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(args.directory), writing_schema())
    per_segment = -(-args.documents // args.segments)
    for first in range(0, args.documents, per_segment):
        started = time.monotonic()
        count = min(per_segment, args.documents - first)
        writer = ix.writer(limitmb=256, compound=False)
        for document in documents(first, count, words, codes, seed=first):
            writer.add_document(**document)
        writer.commit(merge=False)
        print(f"segment of {count:,} from {first:,} in {time.monotonic() - started:.0f} s", flush=True)
    writer = ix.writer(compound=False)
    for number in range(0, per_segment, 100):
        writer.delete_by_term("id", str(number))
    writer.commit(merge=False)
    print(f"{ix.doc_count():,} documents in {len(ix._segments())} segments")


if __name__ == "__main__":
    main()
