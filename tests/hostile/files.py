"""Files an outsider (or a careless sender) can upload, written for this suite.

Each names how many valid releases it holds (`good`): those must be imported even though
their neighbours are bad. None means the suite does not say (a limit may refuse the file whole).
"""

import io
import json
import random
import zipfile
from dataclasses import dataclass

MARK = "wombat"  # a word in every valid release here, and in no demo release


@dataclass(frozen=True)
class NastyFile:
    label: str
    name: str
    content: bytes
    good: int | None = 0

    def __str__(self):
        return self.label


def article_text(
    title: str, date: str = "27 Sep, 2019", body: str = "Kenya and Peru held talks on wombat trade.-PR"
) -> str:
    return f"{title}\n\n{date}\n\n{body}\n\nRead Comments\n"


def record(
    title: str, date: str = "2019-09-27", body: str = "Kenya and Peru held talks on wombat trade.", **more
) -> dict:
    return {"title": title, "date": date, "body": body, **more}


def zipped(members, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members:
            archive.writestr(name, content)
    return buffer.getvalue()


def _csv(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode()


def _mail(
    subject: bytes, body: bytes = b"27 Sep 2019\n\nKenya and Peru held talks on wombat trade.\n", *headers
):
    """An e-mail as bytes, written out (not by the email package, which would not write these)."""
    lines = [b"Subject: " + subject, b"Date: Fri, 27 Sep 2019 10:00:00 +0500", *headers]
    return b"\n".join(lines) + b"\n\n" + body


def _mbox(*messages: bytes) -> bytes:
    return b"".join(
        b"From press@mofa.example Fri Sep 27 10:00:00 2019\n" + message + b"\n" for message in messages
    )


_noise = random.Random(2019).randbytes
_padded = article_text("Padded release on wombat trade").encode().ljust(8192, b" ")

FILES = (
    NastyFile("empty .txt", "empty.txt", b""),
    NastyFile("empty .csv", "empty.csv", b""),
    NastyFile("empty .json", "empty.json", b""),
    NastyFile("empty .jsonl", "empty.jsonl", b""),
    NastyFile("empty .zip", "empty.zip", b""),
    NastyFile("random binary", "binary.txt", _noise(4096)),
    NastyFile("NUL bytes", "nul.txt", b"\x00" * 1000),
    NastyFile("8 KB of text, then binary", "padded.txt", _padded + _noise(4096)),
    NastyFile("100,000 [ as .json", "brackets.json", b"[" * 100_000),
    NastyFile("100,000 [ as .jsonl", "brackets.jsonl", b"[" * 100_000),
    NastyFile("100,000 { as .json", "braces.json", b'{"a":' * 100_000),
    NastyFile(
        "lone surrogate in JSON, between good records",
        "surrogate.json",
        (
            "["
            + json.dumps(record("First wombat record"))
            + ',{"title": "Lone \\ud800 surrogate", "date": "2019-09-27", '
            '"body": "Kenya \\udfff wombat."},' + json.dumps(record("Third wombat record")) + "]"
        ).encode(),
        good=2,
    ),
    NastyFile(
        "lone surrogate in JSON Lines, between good lines",
        "surrogate.jsonl",
        "\n".join(
            [
                json.dumps(record("First wombat line")),
                '{"title": "Lone \\ud800", "date": "2019-09-27", "body": "wombat"}',
                json.dumps(record("Third wombat line")),
            ]
        ).encode(),
        good=2,
    ),
    NastyFile("UTF-16 without BOM", "utf16.txt", article_text("UTF-16 wombat release").encode("utf-16-le")),
    NastyFile("ZIP bomb", "bomb.zip", zipped([("bomb.txt", b"0" * 30_000_000)])),
    NastyFile(
        "ZIP of ten 1 MB members at high ratio",
        "ten.zip",
        zipped(
            [
                (
                    f"big{i}.txt",
                    article_text(
                        f"Big wombat release {i}", body="Kenya and Peru held talks. " * 38_836
                    ).encode()[: 1024 * 1024],
                )
                for i in range(10)
            ]
        ),
        good=None,
    ),
    NastyFile(
        "ZIP with traversal names beside a good member",
        "traversal.zip",
        zipped(
            [
                ("../../evil.txt", article_text("Escaped wombat one")),
                ("/etc/evil.txt", article_text("Escaped wombat two")),
                ("C:\\evil.txt", article_text("Escaped wombat three")),
                ("a/../../b.txt", article_text("Escaped wombat four")),
                ("ok/good.txt", article_text("Good wombat member")),
            ]
        ),
        good=1,
    ),
    NastyFile(
        "ZIP inside a ZIP beside a good member",
        "nested.zip",
        zipped(
            [
                ("inner.zip", zipped([("x.txt", article_text("Inner wombat"))])),
                ("good.txt", article_text("Outer wombat member")),
            ]
        ),
        good=1,
    ),
    NastyFile(
        "ZIP of 25,000 empty members",
        "many.zip",
        zipped([(f"{i}.txt", b"") for i in range(25_000)], zipfile.ZIP_STORED),
    ),
    NastyFile("truncated ZIP", "truncated.zip", zipped([("a.txt", article_text("Truncated wombat"))])[:-30]),
    NastyFile(
        "ZIP with emoji and control member names",
        "names.zip",
        zipped(
            [
                ("😀" * 90 + ".txt", article_text("Emoji-named wombat member")),
                ("ctl\x01\x7f.txt", article_text("Control-named wombat member")),
            ]
        ),
        good=2,
    ),
    NastyFile(
        "CSV with a 2 MB field between good rows",
        "huge-field.csv",
        _csv(
            "title,date,body",
            "First wombat row,2019-09-27,Kenya wombat talks.",
            "Huge wombat row,2019-09-27," + "x" * 2_000_000,
            "Last wombat row,2019-09-28,Peru wombat talks.",
        ),
        good=2,
    ),
    NastyFile(
        "CSV with an unterminated quote after a good row",
        "quote.csv",
        _csv(
            "title,date,body",
            "Quoted wombat row,2019-09-27,Kenya wombat talks.",
            '"Unterminated,2019-09-27,wombat',
        ),
        good=1,
    ),
    NastyFile(
        "CSV with impossible dates beside a good row",
        "dates.csv",
        _csv(
            "title,date,body",
            "Feb 30 wombat,2019-02-30,x",
            "Month 13 wombat,2019-13-01,x",
            "Year 0 wombat,0000-01-01,x",
            "Minus wombat,-1,x",
            "Fine wombat date,2019-02-28,Kenya wombat.",
        ),
        good=1,
    ),
    NastyFile(
        "CSV with formulas and markup",
        "formulas.csv",
        _csv(
            "title,date,body,source",
            '"=HYPERLINK(""http://evil.example"",""wombat"")",2019-09-27,Kenya wombat.,=cmd',
            '<script>alert(1)</script> wombat,2019-09-27,"""><img src=x onerror=alert(1)> wombat",@SUM(1)',
        ),
        good=2,
    ),
    NastyFile(
        "CSV with 10,000 columns",
        "wide.csv",
        _csv(
            "title,date,body," + ",".join(f"c{i}" for i in range(10_000)),
            "Wide wombat,2019-09-27,Kenya wombat," + "," * 9_999,
        ),
        good=1,
    ),
    NastyFile(
        "JSON that is not a list of objects",
        "scalars.json",
        b'[null, 42, "text", [], {"title": ["a list"], '
        b'"date": 20190927, "body": {"a": 1}}, '
        b'{"title": "Good wombat object", "date": "2019-09-27", "body": "wombat"}]',
        good=1,
    ),
    NastyFile(
        "JSON with NaN, Infinity and 1e400",
        "numbers.json",
        b'[{"title": NaN, "date": Infinity, "body": 1e400}, '
        b'{"title": "Numbers wombat", "date": "2019-09-27", "body": "wombat", "countries": {"PK": 1}}]',
        good=None,
    ),
    NastyFile(
        "text release dated 0019",
        "year19.txt",
        article_text("Ancient wombat release", date="27 Sep, 0019").encode(),
        good=None,
    ),
    NastyFile(
        "text release dated 9999",
        "year9999.txt",
        article_text("Far future wombat release", date="31 Dec, 9999").encode(),
        good=None,
    ),
    NastyFile(
        "text title with U+0001", "control.txt", article_text("Control \x01 wombat title").encode(), good=None
    ),
    NastyFile(
        "JSON titles with control characters and non-characters",
        "controls.json",
        json.dumps(
            [
                record("Control \x01 wombat"),
                record("Vertical \x0b tab wombat"),
                record("Escape \x1b[31m wombat"),
                record("Non-character \ufffe wombat"),
                record("NUL \x00 wombat"),
                record("Fine wombat beside controls"),
            ]
        ).encode(),
        good=1,
    ),
    NastyFile(
        "title and body with markup",
        "markup.txt",
        article_text(
            '<script>alert("up")</script> wombat',
            body='"><img src=x onerror=alert(1)> {{ 9|add:31337000 }} wombat.-PR',
        ).encode(),
        good=1,
    ),
    NastyFile(
        "file name of 90 4-byte emoji",
        "😀" * 90 + ".txt",
        article_text("Emoji file name wombat").encode(),
        good=1,
    ),
    NastyFile(
        "file name of 300 characters",
        "a" * 300 + ".txt",
        article_text("Long file name wombat").encode(),
        good=None,
    ),
    NastyFile(
        "file name with quotes, CRLF and traversal",
        '..\\..\\"x\r\n.txt',
        article_text("Odd file name wombat").encode(),
        good=1,
    ),
    NastyFile(
        "a 6 MB text file",
        "six-mb.txt",
        article_text("Six megabyte wombat", body="wombat " * 900_000).encode(),
    ),
    NastyFile(
        "mailbox with hostile headers between good messages",
        "hostile.mbox",
        _mbox(
            _mail(b"First wombat mail"),
            _mail(b"=?utf-8?q?a?= " * 20_000, b"Text.", b"Content-Type: text/plain; " + b"a=b; " * 20_000),
            _mail(b"Nested wombat", b"x", b"Message-ID: " + b"(" * 20_000),
            _mail(b"Last wombat mail"),
        ),
        good=3,
    ),
    NastyFile(
        "e-mail whose attachment is a page named as a script",
        "script.eml",
        _mail(
            b"Attached wombat page",
            b"--b\n\n27 Sep 2019\n\nKenya and Peru held talks on wombat trade.\n--b\n"
            b"Content-Type: text/html\n"
            b'Content-Disposition: attachment; filename="<script>alert(1)</script>.html"'
            b"\n\n<script>alert(1)</script>\n--b--\n",
            b"Content-Type: multipart/mixed; boundary=b",
        ),
        good=1,
    ),
    NastyFile(
        "e-mail of 2,000 nested multiparts",
        "nested.eml",
        _mail(
            b"Nested wombat parts",
            b"--x\nContent-Type: multipart/mixed; boundary=x\n\n" * 2000,
            b"Content-Type: multipart/mixed; boundary=x",
        ),
    ),
    NastyFile(
        "several releases in one CSV",
        "several.csv",
        _csv(
            "title,date,body",
            "Several wombat one,2019-09-27,Kenya wombat.",
            "Several wombat two,2019-09-28,Peru wombat.",
        ),
        good=2,
    ),
)

GOOD = NastyFile(
    "a plain release", "plain.txt", article_text("Plain wombat release after the storm").encode(), good=1
)
