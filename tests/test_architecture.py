"""The house rules of the code base, checked over its real import graph (grimp).

1. No import circle between modules: every strongly connected component of the module graph is
   a single module. grimp records imports inside functions too, so a lazy import that closes a
   loop counts.
2. The base package imports no app: every `llmgateway` module except the configuration on top
   (settings, URLs, ASGI/WSGI entry points, Celery, the server) is the kernel the apps build
   on, and imports none of them.
3. No production module is over 400 lines (migrations aside).
4. Code reads the environment only through django-environ (llmgateway/environment.py): only the
   config modules touch `os.environ` (to name the settings module, or the server's CLI defaults).
"""

from __future__ import annotations

import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("wallets", "sessions_app", "billing", "proxy", "payouts", "dashboard")
PACKAGES = ("llmgateway", *APPS)
CONFIG = {
    "llmgateway.settings",
    "llmgateway.urls",
    "llmgateway.asgi",
    "llmgateway.wsgi",
    "llmgateway.routing",
    "llmgateway.celery",
    "llmgateway.serve",
}
MAX_LINES = 400


def _is_migration(module: str) -> bool:
    return any(part.endswith("migrations") for part in module.split("."))


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return grimp.build_graph(*PACKAGES)


def _edges(graph: grimp.ImportGraph) -> dict[str, set[str]]:
    modules = {m for m in graph.modules if not _is_migration(m)}
    return {
        module: {m for m in graph.find_modules_directly_imported_by(module) if m in modules}
        for module in modules
    }


def _circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one module, iteratively."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    circles.append(sorted(component))
    return circles


def test_the_circle_finder_finds_a_circle():
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle_between_modules(graph):
    assert _circles(_edges(graph)) == []


def test_the_base_package_imports_no_app(graph):
    upward = sorted(
        f"{module} -> {imported}"
        for module, imports in _edges(graph).items()
        if module.split(".")[0] == "llmgateway" and module not in CONFIG
        for imported in imports
        if imported.split(".")[0] in APPS
    )
    assert upward == []


def test_no_production_module_is_over_400_lines():
    long = sorted(
        f"{path.relative_to(ROOT)}: {lines}"
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parent.name
        and (lines := len(path.read_text().splitlines())) > MAX_LINES
    )
    assert long == []


def test_only_the_config_reads_os_environ():
    readers = sorted(
        str(path.relative_to(ROOT))
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "os.environ" in path.read_text() or "os.getenv" in path.read_text()
    )
    config_files = {f"{module.replace('.', '/')}.py" for module in CONFIG}
    assert [path for path in readers if path not in config_files] == []
