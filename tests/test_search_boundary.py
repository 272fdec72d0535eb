"""The search package has one door: the rest of Pressroom imports only what its __init__.py names."""

import ast
import subprocess
import sys
from pathlib import Path

import articles.search

PROJECT = Path(__file__).resolve().parent.parent
PACKAGE = "articles.search"


def outside_the_package() -> list[Path]:
    """The project's own Python files outside articles/search/ (tests and benchmarks may look inside)."""
    files = [*(PROJECT / "articles").rglob("*.py"), *(PROJECT / "pressroom").rglob("*.py")]
    inside = PROJECT / "articles" / "search"
    return [path for path in files if inside not in path.parents] + [PROJECT / "gunicorn.conf.py"]


def module_of(path: Path) -> str:
    parts = path.relative_to(PROJECT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_past_the_door(source: str, module: str, is_package: bool = False) -> list[str]:
    """Imports in `source` (the text of `module`) of the package's modules or of names its door lacks."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.startswith(PACKAGE + ".")]
        elif isinstance(node, ast.ImportFrom):
            imported = _absolute(node, module, is_package)
            if imported.startswith(PACKAGE + "."):
                found.append(imported)
            elif imported == PACKAGE:
                found += [
                    f"{PACKAGE}.{alias.name}"
                    for alias in node.names
                    if alias.name not in articles.search.__all__
                ]
    return found


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".")
    base = package if is_package else package[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def test_nothing_outside_the_search_package_imports_its_modules():
    files = outside_the_package()
    assert PROJECT / "articles" / "views.py" in files and PROJECT / "gunicorn.conf.py" in files
    crossings = {
        str(path.relative_to(PROJECT)): found
        for path in files
        if (
            found := imports_past_the_door(
                path.read_text(encoding="utf-8"), module_of(path), path.name == "__init__.py"
            )
        )
    }
    assert crossings == {}


def test_the_check_sees_each_way_of_reaching_past_the_door():
    assert imports_past_the_door("from .search.sync import rebuild_index", "articles.views") == [
        "articles.search.sync"
    ]
    assert imports_past_the_door("from ...search import sync", "articles.management.commands.x") == [
        "articles.search.sync"
    ]
    assert imports_past_the_door("import articles.search.index", "gunicorn") == ["articles.search.index"]
    assert imports_past_the_door("from articles.search import SCHEMA", "articles.feeds") == [
        "articles.search.SCHEMA"
    ]
    assert imports_past_the_door("from .search import rebuild_index", "articles.views") == []
    assert imports_past_the_door("from . import search", "articles", is_package=True) == []


def test_every_name_the_door_offers_is_there():
    missing = [name for name in articles.search.__all__ if not hasattr(articles.search, name)]
    assert missing == []


def test_importing_the_package_loads_nothing_behind_the_door():
    """Settings, gunicorn.conf.py and the migrations may import it before Django's apps are loaded."""
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, articles.search; print(sorted(m for m in sys.modules if m.startswith('articles.')))",
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert loaded.strip() == "['articles.search']"
