"""How long the project's functions are: the median, the 90th percentile and the longest ten.

    .venv/bin/python bench/function_lengths.py [--rev REV]

Counts every function and method of the application (articles/, pressroom/; not tests/ or
bench/) by its lines from `def` to its last line, decorators excluded, and by its statements,
which the formatter's line breaks do not change. With --rev, the same figures for an older
commit are printed beside them, read from git without touching the work tree.
"""

import argparse
import ast
import statistics
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("articles", "pressroom")


def sources(rev):
    if rev is None:
        for package in PACKAGES:
            for path in sorted((ROOT / package).rglob("*.py")):
                if "migrations" not in path.parts:
                    yield str(path.relative_to(ROOT)), path.read_text()
        return
    for name in _git("ls-tree", "-r", "--name-only", rev, *PACKAGES).split():
        if name.endswith(".py") and "/migrations/" not in name:
            yield name, _git("show", f"{rev}:{name}")


def _git(*arguments) -> str:
    return subprocess.run(["git", *arguments], cwd=ROOT, capture_output=True, text=True, check=True).stdout


def functions(rev):
    for name, text in sources(rev):
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                statements = sum(isinstance(inner, ast.stmt) for inner in ast.walk(node)) - 1
                yield f"{name}:{node.name}", node.end_lineno - node.lineno + 1, statements


def figures(rev):
    found = list(functions(rev))
    lines = sorted(length for _, length, _ in found)
    statements = sorted(count for _, _, count in found)

    def p90(values):
        return statistics.quantiles(values, n=10)[-1]

    return {
        "functions": len(found),
        "lines": (statistics.median(lines), p90(lines)),
        "statements": (statistics.median(statements), p90(statements)),
        "longest": sorted(found, key=lambda item: -item[1])[:10],
    }


def report(label, measured):
    print(f"## {label}: {measured['functions']} functions")
    print(f"lines:      median {measured['lines'][0]:g}, p90 {measured['lines'][1]:.0f}")
    print(f"statements: median {measured['statements'][0]:g}, p90 {measured['statements'][1]:.0f}")
    print("longest ten (lines, statements):")
    for name, length, statements in measured["longest"]:
        print(f"  {length:4d} {statements:4d}  {name}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", help="a commit to measure beside the work tree")
    arguments = parser.parse_args()
    if arguments.rev:
        report(f"at {arguments.rev}", figures(arguments.rev))
        print()
    report("work tree", figures(None))


if __name__ == "__main__":
    main()
