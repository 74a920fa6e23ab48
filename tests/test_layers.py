"""The layers point one way: handlers -> bot -> storage, with app/ (the wiring) above them.
web/ is a user interface beside handlers/: it calls the core and never the chat UI.

Read from the source with `ast`, so an import inside a function or under TYPE_CHECKING
counts as much as one at the top. The checker is tested on a small tree of its own, so
this test is known to fail when someone adds an import that points the wrong way.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Lower number = lower layer. A module may import its own layer and the ones below it.
LAYERS = {"storage": 0, "bot": 1, "handlers": 2, "web": 2, "app": 3}
# The two user interfaces share no code with each other; what they share is the core.
SIBLINGS = {"handlers": {"web"}, "web": {"handlers"}}
# Never imported by the layers: the test and sandbox stand-in for Telegram.
TEST_ONLY = {"emulator"}
# Packages a layer may not import although they are not ours.
FORBIDDEN_LIBRARIES = {"storage": {"telegram"}}
# `python -m bot` must stay the entry point people know; it only calls into app/.
ENTRY_POINTS = {Path("bot/__main__.py")}


def imported_packages(source: str) -> set[str]:
    """The top-level names a module imports (absolute imports; relative ones stay home)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def violations(root: Path) -> list[str]:
    """Every import in the layers that points up, sideways into test code, or at a
    library its layer must not use: "<file>: <layer> imports <package>"."""
    found = []
    for layer, rank in LAYERS.items():
        for path in sorted((root / layer).rglob("*.py")):
            relative = path.relative_to(root)
            if relative in ENTRY_POINTS:
                continue
            for package in sorted(imported_packages(path.read_text(encoding="utf-8"))):
                upward = package in LAYERS and LAYERS[package] > rank
                upward = upward or package in SIBLINGS.get(layer, set())
                test_only = package in TEST_ONLY and layer != "app"
                library = package in FORBIDDEN_LIBRARIES.get(layer, set())
                if upward or test_only or library:
                    found.append(f"{relative}: {layer} imports {package}")
    return found


def test_layers_import_only_downwards() -> None:
    assert violations(ROOT) == []


def test_the_entry_point_only_calls_into_app() -> None:
    source = (ROOT / "bot/__main__.py").read_text(encoding="utf-8")
    assert imported_packages(source) <= {"sys", "app"}


@pytest.mark.parametrize(
    ("module", "line", "expected"),
    [
        ("bot/core.py", "from handlers.menu import start", "bot/core.py: bot imports handlers"),
        ("bot/core.py", "import app.factory", "bot/core.py: bot imports app"),
        ("storage/repo.py", "from bot import settings", "storage/repo.py: storage imports bot"),
        (
            "storage/repo.py",
            "from telegram import Bot",
            "storage/repo.py: storage imports telegram",
        ),
        (
            "handlers/menu.py",
            "from emulator import BotAPIEmulator",
            "handlers/menu.py: handlers imports emulator",
        ),
        (
            "bot/core.py",
            "def later():\n    from emulator import testing",
            "bot/core.py: bot imports emulator",
        ),
        (
            "handlers/menu.py",
            "from app.runner import BotRunner",
            "handlers/menu.py: handlers imports app",
        ),
        ("web/join.py", "from handlers import keyboards", "web/join.py: web imports handlers"),
        (
            "handlers/menu.py",
            "from web.site import build_site",
            "handlers/menu.py: handlers imports web",
        ),
        ("web/join.py", "from app.web import start_web", "web/join.py: web imports app"),
    ],
)
def test_the_checker_catches_a_wrong_import(
    tmp_path: Path, module: str, line: str, expected: str
) -> None:
    for layer in LAYERS:
        (tmp_path / layer).mkdir()
    (tmp_path / module).write_text(f"from __future__ import annotations\n{line}\n")
    (tmp_path / "bot/fine.py").write_text("from storage import db\nimport telegram\n")
    (tmp_path / "app/wiring.py").write_text("import handlers, bot, storage, emulator\n")
    assert violations(tmp_path) == [expected]
