"""HTTP load: gunicorn as `make serve` runs it, loaded by wrk from a second process.

    .venv/bin/python bench/load.py --articles 10000 [--seconds 10] [--soak 60]

Each scenario is run at 1, 8 and 32 concurrent clients. The baseline is a static file served
by the same gunicorn and WhiteNoise (the stack's floor), measured in the same run; every
scenario's requests per second are printed as a ratio of it. The archive is the one
`search_bench.py` builds for the same size and seed. Needs Debian's `wrk`.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from harness import PROJECT, QUERY_WORDS, bench_secrets, print_table, save, start_gunicorn

LUA_REPORT = """
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %f, "errors": %d, "non2xx": %d, "p50": %f, "p95": %f, "p99": %f}\\n',
    summary.requests, summary.duration / 1e6, errors.connect + errors.read + errors.write + errors.timeout,
    errors.status, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000))
end
"""


def lua_paths(paths_expression: str) -> str:
    """A wrk script whose every request asks for the path the expression builds."""
    words = ", ".join(f'"{word}"' for word in QUERY_WORDS[:16])  # the load mix's sixteen
    return f"""
math.randomseed(os.time())
local words = {{{words}}}
local function word() return words[math.random(#words)] end
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", {paths_expression})
end
{LUA_REPORT}"""


def scenarios(article_paths):
    articles = ", ".join(f'"{path}"' for path in article_paths)
    return {
        "static file (baseline)": lua_paths('"/static/css/" .. css'),
        "search page, repeated": lua_paths('"/?q=trade+talks"'),
        "search page, distinct": lua_paths(
            '"/?q=" .. word() .. "+" .. word() .. "&n=" .. counter .. math.random(1e9)'
        ),
        "filtered search, distinct": lua_paths(
            '"/?q=" .. word() .. "&country=PK&country=IN&from=2015-01-01&to=2019-12-31&n=" '
            ".. counter .. math.random(1e9)"
        ),
        "article page": f"local articles = {{{articles}}}\n" + lua_paths("articles[math.random(#articles)]"),
        "JSON API, distinct": lua_paths('"/api/search?q=" .. word() .. "&n=" .. counter .. math.random(1e9)'),
    }


def run_wrk(url, script_text, connections, seconds, css_name):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f'css = "{css_name}"\n' + script_text)
    try:
        output = subprocess.run(
            [
                "wrk",
                "-t",
                str(min(connections, 2)),
                "-c",
                str(connections),
                "-d",
                f"{seconds}s",
                "--timeout",
                "10s",
                "-s",
                script.name,
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    result = json.loads(re.search(r"RESULT (\{.*\})", output).group(1))
    result["rps"] = result["requests"] / result["seconds"]
    return result


def serve_archive(data_dir: Path, port: int):
    env = {**os.environ, **bench_secrets(), "PRESSROOM_DATA_DIR": str(data_dir), "LOG_LEVEL": "WARNING"}
    python = str(PROJECT / ".venv" / "bin" / "python")
    for command in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"]):  # as `make serve` does
        subprocess.run([python, "manage.py", *command], cwd=PROJECT, env=env, check=True)
    return start_gunicorn(env, port)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--seconds", type=int, default=10, help="per scenario and concurrency")
    parser.add_argument(
        "--soak", type=int, default=60, help="seconds of the 32-client soak that must see no error"
    )
    options = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")
    data_dir = Path(tempfile.gettempdir()) / f"pressroom-bench-{options.articles}-{options.seed}"
    if not (data_dir / "index" / "current").exists():
        sys.exit(f"No archive at {data_dir}: run bench/search_bench.py --articles {options.articles} first.")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server, url, first = serve_archive(data_dir, port)
    try:
        html = urllib.request.urlopen(url + "/").read().decode()
        css_name = re.search(r"/static/css/([^\"]+\.css)", html).group(1)
        article_paths = [
            urlparse_path(r["url"])
            for page in (1, 2, 3)
            for r in json.loads(urllib.request.urlopen(f"{url}/api/search?sort=oldest&page={page}").read())[
                "results"
            ]
        ]
        print(f"gunicorn on {url}: {first['count']:,} articles, {os.cpu_count()} cores shared with wrk")
        results, rows = {}, []
        for name, script in scenarios(article_paths).items():
            for connections in (1, 8, 32):
                result = run_wrk(url, script, connections, options.seconds, css_name)
                results.setdefault(name, {})[connections] = result
        for name, by_connections in results.items():
            for connections, r in by_connections.items():
                baseline = results["static file (baseline)"][connections]["rps"]
                rows.append(
                    [
                        name,
                        connections,
                        f"{r['rps']:.0f}",
                        f"{r['p50']:.1f}",
                        f"{r['p95']:.1f}",
                        f"{r['p99']:.1f}",
                        f"{r['rps'] / baseline:.2f}",
                        r["errors"] + r["non2xx"],
                    ]
                )
        print(f"\nHTTP load, {options.seconds}s per row (latency in ms)")
        print_table(["scenario", "clients", "req/s", "p50", "p95", "p99", "vs static", "errors"], rows)
        soak = run_wrk(url, scenarios(article_paths)["search page, distinct"], 32, options.soak, css_name)
        peaks = worker_peak_memory_mb(server.pid)
        print(
            f"\nSoak: 32 clients, {options.soak}s of distinct searches: {soak['requests']:,} requests, "
            f"{soak['rps']:.0f} req/s, p99 {soak['p99']:.0f} ms, errors {soak['errors'] + soak['non2xx']}"
        )
        each = ", ".join(f"{mb:.0f} MB" for mb in peaks)
        print(f"Peak resident memory of each web worker after the mix: {each}")
        payload = {"articles": first["count"], "results": results, "soak": soak, "worker_peak_rss_mb": peaks}
        print(f"\nWritten to {save('load', payload)}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()


def worker_peak_memory_mb(master_pid: int) -> list[float]:
    """VmHWM (peak resident set) of each gunicorn worker, the children of the master."""
    peaks = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if int(fields.get("PPid", "0").strip()) == master_pid and "gunicorn" in fields.get("Name", "") + str(
            status.parent
        ):
            cmdline = (status.parent / "cmdline").read_bytes()
            if b"task_worker" not in cmdline:
                peaks.append(int(fields["VmHWM"].split()[0]) / 1024)
    return sorted(peaks)


def urlparse_path(url):
    from urllib.parse import urlparse

    return urlparse(url).path


if __name__ == "__main__":
    main()
