"""Import speed per upload format: the same generated releases as .txt files, Word
documents, PDFs, web pages and e-mails, each imported by `import_articles` into a fresh archive, in the
same run.

    .venv/bin/python bench/format_bench.py --articles 1000

Each format is imported into an archive of its own (a fresh data directory: database and
index), one after the other; the ratio is each format's releases per second over plain
text's. Reading alone (`read_articles`, no database or index) is timed too, which is where
the formats differ.
"""

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import PROJECT, bench_secrets, print_table, save, setup_django, timed


def as_word_document(text: str) -> bytes:
    """The same release as a .docx: its title as the title property, its date line, its paragraphs."""
    import docx

    from articles.ingest.parsing import parse_article

    parsed = parse_article(text)
    document = docx.Document()
    document.core_properties.title = parsed.title
    for paragraph in (f"{parsed.published:%d %B %Y}", *parsed.paragraphs):
        document.add_paragraph(paragraph)
    saved = io.BytesIO()
    document.save(saved)
    return saved.getvalue()


def as_pdf(text: str) -> bytes:
    """The same release as a PDF printed from a word processor: heading, date line, paragraphs, footers."""
    from fpdf import FPDF

    from articles.ingest.parsing import parse_article

    parsed = parse_article(text)
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=22)
    pdf.footer = lambda: (
        pdf.set_y(-15),
        pdf.set_font("Helvetica", size=9),
        pdf.cell(0, 5, f"Page {pdf.page_no()}"),
    )
    pdf.add_page()
    pdf.set_font("Helvetica", size=16)
    pdf.multi_cell(0, 8, _latin1(parsed.title))
    pdf.set_font("Helvetica", size=11)
    for paragraph in (f"{parsed.published:%d %B %Y}", *parsed.paragraphs):
        pdf.ln(4)
        pdf.multi_cell(0, 5, _latin1(paragraph))
    return bytes(pdf.output())


def _latin1(text: str) -> str:
    """What the PDF's standard fonts can show (the generated releases are in English, with a few dashes)."""
    return text.encode("latin-1", "replace").decode("latin-1")


def as_web_page(text: str) -> bytes:
    """The same release as a ministry's page: navigation, the article with its date, a footer."""
    from django.utils.html import escape

    from articles.ingest.parsing import parse_article

    parsed = parse_article(text)
    paragraphs = "".join(f"<p>{escape(paragraph)}</p>" for paragraph in parsed.paragraphs)
    return (
        f"<!doctype html><html><head><title>{escape(parsed.title)} | Ministry</title></head><body>"
        '<nav><a href="/">Home</a> <a href="/press">Press releases</a></nav>'
        f"<article><h1>{escape(parsed.title)}</h1>"
        f'<time datetime="{parsed.published.isoformat()}">{parsed.published:%d %B %Y}</time>{paragraphs}'
        '</article><div class="comments"><a href="#c">Read Comments</a></div>'
        "<footer>© Ministry</footer></body></html>"
    ).encode()


def as_email(text: str) -> bytes:
    """The same release as a press office mails it: subject, date line, text, signature, a photo."""
    from email.message import EmailMessage

    from articles.ingest.parsing import parse_article

    parsed = parse_article(text)
    message = EmailMessage()
    message["From"] = "Press Office <press@ministry.example>"
    message["Subject"] = parsed.title
    message["Date"] = f"{parsed.published:%a, %d %b %Y} 10:00:00 +0000"
    body = "\n\n".join((f"{parsed.published:%d %B %Y}", *parsed.paragraphs))
    message.set_content(f"{body}\n\n-- \nPress Office\n", cte="quoted-printable")
    message.add_attachment(
        b"\xff\xd8\xff" + text.encode()[:2000], maintype="image", subtype="jpeg", filename="photo.jpg"
    )
    return message.as_bytes()


def write_files(count: int, seed: int, folder: Path) -> dict[str, Path]:
    from articles.demo import generate_article_texts

    folders = {suffix: folder / suffix.strip(".") for suffix in (".txt", ".docx", ".pdf", ".html", ".eml")}
    for path in folders.values():
        path.mkdir(parents=True)
    for number, text in enumerate(generate_article_texts(count, seed)):
        (folders[".txt"] / f"{number:06d}.txt").write_text(text)
        (folders[".docx"] / f"{number:06d}.docx").write_bytes(as_word_document(text))
        (folders[".pdf"] / f"{number:06d}.pdf").write_bytes(as_pdf(text))
        (folders[".html"] / f"{number:06d}.html").write_bytes(as_web_page(text))
        (folders[".eml"] / f"{number:06d}.eml").write_bytes(as_email(text))
    return folders


def read_all(folder: Path) -> int:
    from articles.ingest.formats import read_articles

    read = 0
    for path in sorted(folder.iterdir()):
        for article in read_articles(path.name, path.read_bytes()):
            assert article.parsed, (path, article.error)
            read += 1
    return read


def import_seconds(folder: Path, data_dir: Path) -> float:
    """`manage.py import_articles` on a fresh archive, in a process of its own, as an operator runs it."""
    env = {**os.environ, **bench_secrets(), "PRESSROOM_DATA_DIR": str(data_dir), "LOG_LEVEL": "WARNING"}
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=PROJECT, env=env, check=True)
    subprocess.run([*manage, "rebuild_index"], cwd=PROJECT, env=env, check=True, capture_output=True)
    started = time.perf_counter()
    subprocess.run(
        [*manage, "import_articles", str(folder)], cwd=PROJECT, env=env, check=True, capture_output=True
    )
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2019)
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pressroom-format-bench-"))
    try:
        setup_django(work / "scratch")
        folders = write_files(options.articles, options.seed, work / "files")
        rows, figures = [], {}
        for suffix, folder in folders.items():
            read_ms, read = timed(read_all, folder)
            assert read == options.articles
            seconds = import_seconds(folder, work / f"data-{suffix.strip('.')}")
            figures[suffix] = {
                "read_per_second": read / (read_ms / 1000),
                "import_per_second": read / seconds,
            }
        for suffix, figure in figures.items():
            rows.append(
                [
                    suffix,
                    f"{figure['read_per_second']:.0f}",
                    f"{figure['read_per_second'] / figures['.txt']['read_per_second']:.2f}x",
                    f"{figure['import_per_second']:.0f}",
                    f"{figure['import_per_second'] / figures['.txt']['import_per_second']:.2f}x",
                ]
            )
        print(
            f"\nReleases per second by format, {options.articles:,} generated releases (seed {options.seed})"
        )
        print_table(["format", "read/s", "vs .txt", "import_articles/s", "vs .txt"], rows)
        print(f"\nWritten to {save('formats', {'articles': options.articles, 'formats': figures})}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
