"""How well country extraction finds what a release is about, scored on labelled real news.

    .venv/bin/python bench/country_accuracy.py [../shared/corpora/reuters-train.jsonl] [--save]

Reuters' `countries` are an editor's judgement of what each story is about (ISO codes), so
this measures precision and recall of "about", not of "mentioned". The baseline, measured in
the same run, is a plain case-sensitive match of pycountry's country names. Read the corpus's
README for its licence: it is read from shared/, never copied into the project.
"""

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from articles.ingest.countries import find_countries  # noqa: E402  (pure: no Django needed)

DEFAULT_CORPUS = PROJECT.parent / "shared" / "corpora" / "reuters-train.jsonl"
# What issue 8 asked of the extractor on Reuters.
TARGET_PRECISION, TARGET_RECALL = 0.88, 0.85


def plain_name_matcher():
    import pycountry

    names = {country.name: country.alpha_2 for country in pycountry.countries if "," not in country.name}
    pattern = re.compile(
        r"\b(" + "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True)) + r")\b"
    )
    return lambda text: {names[match] for match in pattern.findall(text)}


# Reuters' places without an ISO code, and the code the extractor gives the same place:
# the Soviet Union is tagged as Russia, its continuing state (see gazetteer.FORMER_NAMES).
# A release labelled with such a place is not scored on that code either way.
UNMAPPED_PLACES = {"ussr": "RU"}


def score(predict, records):
    true_positive, false_positive, false_negative = Counter(), Counter(), Counter()
    for record in records:
        expected = set(record["countries"])
        unscored = {UNMAPPED_PLACES.get(place) for place in record.get("unmapped_places", ())} - expected
        found = predict(record) - unscored
        true_positive.update(found & expected)
        false_positive.update(found - expected)
        false_negative.update(expected - found)
    tp, fp, fn = (sum(c.values()) for c in (true_positive, false_positive, false_negative))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "misses": false_negative,
        "false_hits": false_positive,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--save", action="store_true", help="Write the figures to bench/results/ as JSON.")
    options = parser.parse_args()
    records = [json.loads(line) for line in options.corpus.open(encoding="utf-8")]
    records = [r for r in records if r.get("countries")]

    started = time.perf_counter()
    ours = score(
        lambda r: {
            m.code for m in find_countries(r["title"], f"{r.get('dateline', '')} {r['body']}") if m.about
        },
        records,
    )
    seconds = time.perf_counter() - started
    plain = plain_name_matcher()
    baseline = score(lambda r: plain(f"{r['title']} {r.get('dateline', '')} {r['body']}"), records)

    print(f"{len(records):,} labelled articles from {options.corpus.name}; extraction took {seconds:.1f}s\n")
    print(f"{'':28}precision  recall     F1")
    for name, result in (("Pressroom extractor", ours), ("plain ISO names (baseline)", baseline)):
        print(f"{name:28}{result['precision']:9.3f}  {result['recall']:6.3f}  {result['f1']:5.3f}")
    print(f"{'targets':28}{TARGET_PRECISION:9.2f}  {TARGET_RECALL:6.2f}")
    print(
        "\nMost frequent misses:   ", ", ".join(f"{code} {n}" for code, n in ours["misses"].most_common(20))
    )
    print(
        "Most frequent false hits:",
        ", ".join(f"{code} {n}" for code, n in ours["false_hits"].most_common(20)),
    )
    if options.save:
        from harness import save

        figures = {
            name: {key: result[key] for key in ("precision", "recall", "f1")}
            for name, result in (("ours", ours), ("baseline", baseline))
        }
        saved = {"corpus": options.corpus.name, "articles": len(records), "seconds": seconds, **figures}
        print(f"\nWritten to {save('country-accuracy', saved)}")


if __name__ == "__main__":
    main()
