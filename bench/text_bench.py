"""Every text processor stays linear in its input, on ordinary prose and on hostile text alike.

    .venv/bin/python bench/text_bench.py [--processors countries,snippets] [--texts georgia,dotted] [--save]

Each processor (the upload format's parser, decoding with ftfy, the release date line,
country extraction, dateline detection, snippets, the search document's analysis) reads
each text at 10 KB, 100 KB, 1 MB and 2 MB, and its speed is printed in seconds per MB. The
baseline is the same processor on the same text at 10 KB, measured in the same run: the
column "2MB/10KB" divides the 2 MB time per MB by it, and must stay near 1. A quadratic
path shows as a ratio near 200 (a release naming Georgia 2,000 times once took minutes to
save); "2MB/1MB" is the same test for one doubling, about 2 if quadratic. "vs prose" compares
the 2 MB time per MB with ordinary press-release prose.

Texts are made by repeating a short unit to the size asked, each aimed at one rule of the
extractor or one regular expression of the parsers.
"""

import argparse
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from harness import print_table, save  # noqa: E402

SIZES = {"10KB": 10_000, "100KB": 100_000, "1MB": 1_000_000, "2MB": 2_000_000}
# Small inputs are timed over many calls, so that each timing lasts long enough to trust.
BYTES_PER_TIMING = 400_000
# A 2MB/10KB ratio past this is reported as not linear (the run exits with status 1). Linear
# work still slows per MB somewhat with size: 10 KB fits in the CPU's caches and 2 MB does
# not, and the garbage collector has more objects to walk (measured flat from 1 MB to 8 MB).
# A quadratic path gives about 200.
MOST_ACCEPTABLE_RATIO = 5.0

PROSE = (
    "ISLAMABAD, Sept 27 - Foreign Minister Shah Mahmood Qureshi met his Russian counterpart "
    "Sergey Lavrov in New York and briefed him about the situation in the region. Both sides "
    "agreed to expand cooperation in trade, energy and defence, and discussed the Afghan peace "
    "process with officials from the United States, China and Iran.\n\n"
)
# name -> the unit repeated to make the text, and what it aims at.
TEXTS = {
    "prose": (PROSE, "ordinary press-release prose (the baseline of 'vs prose')"),
    "georgia": ("Georgia ", "one name 2,000+ times: the US-state check once read the text per mention"),
    "georgia_state": ("Atlanta, Georgia. Georgia's governor. ", "Georgia the US state, in context"),
    "jordan": ("Michael Jordan met officials in Jordan. ", "a country that is also a personal name"),
    "guinea": ("Guinea, Papua New Guinea, Guinea-Bissau and Equatorial Guinea. ", "names inside names"),
    "indian_ocean": ("the Indian Ocean ", "a phrase that is not a country"),
    "town_us_state": ("Stamford, Conn. ", "a town and its US state"),
    "all_caps": ("KENYA AND UGANDA SIGNED A TRADE DEAL IN NAIROBI, NEW YORK. ", "text in capitals"),
    "dateline": ("ISLAMABAD, Sept 27 - ", "datelines repeated"),
    "names_beside_names": ("Morgan Stanley ", "a place beside a personal name"),
    "capitalised_words": ("Aaa Bbb Ccc, ", "capitalised words before a comma (the town rule)"),
    "new": ("New ", "the first word of many names"),
    "accents": ("Côte d’Ivoire São Tomé ", "accents and curly quotes to fold"),
    "long_word": ("a", "one word of the whole size, no spaces"),
    "long_capital_word": ("A", "one capital word of the whole size"),
    "dotted": ("A.", "a dotted run: every capital may start a town or an abbreviation"),
    "apostrophes": ("A'", "an apostrophe run"),
    "hyphens": ("-", "only hyphens"),
    "punctuation": ("!?.,;:-\"'()[]", "only punctuation"),
    "full_stops": (". ", "sentence ends without sentences"),
    "newlines": ("\n", "only newlines"),
    "blank_paragraphs": ("x\n\n", "a paragraph per three characters"),
    "crlf": ("word\r\n", "Windows line ends"),
    "spaces": (" ", "only spaces"),
    "nbsp": ("\u00a0", "only no-break spaces"),
    "digits": ("1234567890", "only digits"),
    "date_words": ("27 Sep, 2019 Monday 1st Sept. ", "what the date parser rewrites"),
    "mojibake": ("CafÃ© Ã¢â‚¬â„¢ naÃ¯ve ", "text decoded twice, for ftfy"),
    "source_marks": ("-PR -PR ", "source marks everywhere"),
}


def processors():
    """name -> a function of the text, each the entry point the application calls."""
    from articles.ingest.countries import find_countries
    from articles.ingest.datelines import find_dateline
    from articles.ingest.dates import parse_article_date
    from articles.ingest.decoding import decode_file
    from articles.ingest.errors import RejectedArticle
    from articles.ingest.parsing import parse_article
    from articles.search.schema import SCHEMA
    from articles.search.snippets import indexed_form, snippet

    def upload_format(text):
        try:
            parse_article(f"A title\n\n27 Sep, 2019\n\n{text}\n\nRead Comments\n")
        except RejectedArticle:
            pass  # refusing is an answer too; what matters is how long it took
        try:
            parse_article(text)  # the text as the whole file: its first line is the title
        except RejectedArticle:
            pass

    def decoding(text):
        try:
            decode_file(text.encode("utf-8"))
            decode_file(text.encode("cp1252", errors="replace"))
        except RejectedArticle:
            pass

    words = frozenset(indexed_form(word) for word in ("georgia", "trade", "new"))

    def analysis(text):
        for field in ("body", "pairs"):
            for _ in SCHEMA[field].analyzer(text):
                pass

    return {
        "upload format": upload_format,
        "decoding + ftfy": decoding,
        "date line": parse_article_date,
        "countries": lambda text: find_countries("A title", text),
        "dateline": find_dateline,
        "snippets": lambda text: snippet(text, words),
        "search analysis": analysis,
    }


def text_of(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def seconds_per_mb(process, text: str, rounds: int) -> float:
    calls = max(1, BYTES_PER_TIMING // len(text))
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(calls):
            process(text)
        best = min(best, (time.perf_counter() - started) / calls)
    return best / (len(text) / 1_000_000)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processors", help="comma-separated names, default all")
    parser.add_argument("--texts", help="comma-separated names, default all")
    parser.add_argument("--rounds", type=int, default=2, help="timings per size; the fastest counts")
    parser.add_argument("--save", action="store_true", help="Write the figures to bench/results/ as JSON.")
    options = parser.parse_args()
    chosen = processors()
    if options.processors:
        chosen = {name: chosen[name] for name in options.processors.split(",")}
    texts = (
        list(TEXTS)
        if not options.texts
        else ["prose", *[n for n in options.texts.split(",") if n != "prose"]]
    )
    for process in chosen.values():
        process("Warm up: Kenya, Georgia. Stamford, Conn. ISLAMABAD - ")  # load the gazetteer and caches

    figures, not_linear = {}, []
    for processor, process in chosen.items():
        rows, figures[processor] = [], {}
        for name in texts:
            timings = {
                label: seconds_per_mb(process, text_of(TEXTS[name][0], size), options.rounds)
                for label, size in SIZES.items()
            }
            figures[processor][name] = timings
            flat = timings["2MB"] / timings["10KB"]
            doubling = timings["2MB"] / timings["1MB"]
            versus_prose = timings["2MB"] / figures[processor]["prose"]["2MB"]
            if flat > MOST_ACCEPTABLE_RATIO:
                not_linear.append(f"{processor} on {name}: {flat:.1f}x")
            rows.append(
                [
                    name,
                    *(f"{timings[label]:.3g}" for label in SIZES),
                    f"{flat:.2f}",
                    f"{doubling:.2f}",
                    f"{versus_prose:.2f}",
                ]
            )
        print(f"\n{processor} (seconds per MB)")
        print_table(["text", *SIZES, "2MB/10KB", "2MB/1MB", "vs prose"], rows)
        sys.stdout.flush()

    if options.save:
        saved = {"seconds_per_mb": figures, "texts": {name: TEXTS[name][1] for name in texts}}
        print(f"\nWritten to {save('text', saved)}")
    if not_linear:
        print(f"\nNot linear (2MB/10KB above {MOST_ACCEPTABLE_RATIO}):", "; ".join(not_linear))
        sys.exit(1)
    print(f"\nEvery processor is linear on every text (2MB/10KB at most {MOST_ACCEPTABLE_RATIO}).")


if __name__ == "__main__":
    main()
