"""Where the update rule draws its line, on real wire text: the resemblance of every pair of
Reuters-21578 stories that share a title and a day (the cases an import without ids must
decide), beside corrections made by changing a few words of real stories (which must stay
updates) and pairs of unrelated stories from one day (which must stay apart).

    .venv/bin/python bench/resemblance_quality.py [--corpus ../shared/corpora/reuters-train.jsonl]
"""

import argparse
import collections
import json
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from articles.ingest.similarity import resemblance  # pure: no Django needed

THRESHOLDS = (0.5, 0.6, 0.75, 0.9)
CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "reuters-train.jsonl"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    stories = [json.loads(line) for line in options.corpus.open(encoding="utf-8")]
    rng = random.Random(options.seed)
    by_title_and_day, by_day = collections.defaultdict(list), collections.defaultdict(list)
    for story in stories:
        by_title_and_day[(story["title"].strip().casefold(), story["date"][:10])].append(story["body"])
        by_day[story["date"][:10]].append(story["body"])
    namesakes = [resemblance(group[0], other) for group in by_title_and_day.values() for other in group[1:]]
    corrected = [
        resemblance(body, _corrected(body, rng, words))
        for body in rng.sample([s["body"] for s in stories], 1000)
        for words in (1, 3)
    ]
    days = [day for day in by_day.values() if len(day) > 1]
    unrelated = [resemblance(*rng.sample(rng.choice(days), 2)) for _ in range(2000)]
    print(
        f"Resemblance (shared word pairs) on {options.corpus.name}; "
        "the setting's default (PRESSROOM_UPDATE_RESEMBLANCE) is 0.6\n"
    )
    print(f"{'pairs':48} {'n':>5} {'median':>7} " + " ".join(f"{'>=' + str(t):>6}" for t in THRESHOLDS))
    for label, scores in (
        ("same title and day (what imports must decide)", namesakes),
        ("a real story and its 1- or 3-word correction", corrected),
        ("two stories of one day (must stay apart)", unrelated),
    ):
        shares = " ".join(f"{sum(s >= t for s in scores) / len(scores):6.1%}" for t in THRESHOLDS)
        print(f"{label:48} {len(scores):5} {statistics.median(scores):7.3f} {shares}")


def _corrected(body: str, rng: random.Random, words: int) -> str:
    tokens = body.split()
    for _ in range(words):
        if tokens:
            tokens[rng.randrange(len(tokens))] = "corrected"
    return " ".join(tokens)


if __name__ == "__main__":
    main()
