"""What ships: every package and data file is in pyproject.toml (and in the built wheel), and the runtime
dependencies are exactly what the runtime imports.

The editable install the other tests run under finds files straight in the source tree, so it hides a package or
data file missing from the wheel (that is how ``hangul_rnn.commands`` once went missing and every command failed
for anyone who installed the wheel). The fast tests here read pyproject.toml; the slow one builds the wheel.
"""

from __future__ import annotations

import ast
import fnmatch
import importlib.metadata
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]
#: Source folders that hold a package, by installed name (package-dir, else the dotted path).
FOLDER_OF = {name: ROOT / folder for name, folder in SETUPTOOLS.get("package-dir", {}).items()}
SOURCE_ROOTS = {
    "hangul_rnn": ROOT / "hangul_rnn",
    "hangul_rnn_tui": ROOT / "tui",
    "hangul_rnn.manifests": ROOT / "corpora",
}
SKIP = {"__pycache__"}


def _folder(package: str) -> Path:
    if package in FOLDER_OF:
        return FOLDER_OF[package]
    parent, _, leaf = package.rpartition(".")
    return _folder(parent) / leaf if parent else ROOT / package


def _source_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and not SKIP & set(p.relative_to(folder).parts)
            and p.suffix not in (".pyc",)]


def _installed_names() -> dict[str, Path]:
    """Every file the packages should install, as its path inside the wheel -> its source file."""
    names: dict[str, Path] = {}
    packages = SETUPTOOLS["packages"]
    for package in packages:
        folder = _folder(package)
        inner = [_folder(p) for p in packages if p != package and _folder(p).is_relative_to(folder)]
        prefix = package.replace(".", "/")
        for path in _source_files(folder):
            if any(path.is_relative_to(i) for i in inner):
                continue
            names[f"{prefix}/{path.relative_to(folder).as_posix()}"] = path
    return names


# --------------------------------------------------------------------------------------------------- fast checks


def test_every_source_folder_with_python_is_a_listed_package() -> None:
    packages = SETUPTOOLS["packages"]
    for package in packages:
        assert (_folder(package) / "__init__.py").is_file(), f"{package}: {_folder(package)} has no __init__.py"
    for root_name, root in SOURCE_ROOTS.items():
        assert root_name in packages, f"{root_name} ({root}) is not in [tool.setuptools] packages"
        for init in root.rglob("*.py"):
            if SKIP & set(init.parts):
                continue
            folder = init.parent
            dotted = ".".join([root_name, *folder.relative_to(root).parts])
            assert dotted in packages, f"{folder} holds modules but {dotted} is not in [tool.setuptools] packages"


def test_every_data_file_is_package_data() -> None:
    patterns = SETUPTOOLS.get("package-data", {})
    for name, source in _installed_names().items():
        if source.suffix == ".py":
            continue
        package = next(p for p in sorted(SETUPTOOLS["packages"], key=len, reverse=True)
                       if name.startswith(p.replace(".", "/") + "/"))
        relative = name[len(package.replace(".", "/")) + 1:]
        assert any(fnmatch.fnmatch(relative, pattern) for pattern in patterns.get(package, [])), (
            f"{source.relative_to(ROOT)} would be left out of the wheel: no [tool.setuptools.package-data] pattern "
            f"of {package} matches {relative}")


def _catches_import_error(node: ast.Try) -> bool:
    for handler in node.handlers:
        names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        if handler.type is None or any(isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError")
                                       for n in names):
            return True
    return False


def _imports(folder: Path) -> tuple[set[str], set[str]]:
    """Third-party top-level modules imported under ``folder``: (required, optional). An import inside a ``try``
    that catches ImportError, or under an ``if sys.version_info ...``, is optional (tomli before Python 3.11, a
    baseline a feature can do without)."""
    required: set[str] = set()
    optional: set[str] = set()

    def visit(node: ast.AST, guarded: bool) -> None:
        if isinstance(node, ast.Try) and _catches_import_error(node):
            for child in node.body:
                visit(child, True)
            for child in [*node.handlers, *node.orelse, *node.finalbody]:
                visit(child, guarded)
            return
        if isinstance(node, ast.If) and "version_info" in ast.unparse(node.test):  # a per-Python-version import
            for child in [*node.body, *node.orelse]:
                visit(child, True)
            return
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        (optional if guarded else required).update(n.split(".")[0] for n in names)
        for child in ast.iter_child_nodes(node):
            visit(child, guarded)

    for path in folder.rglob("*.py"):
        visit(ast.parse(path.read_text(encoding="utf-8")), False)
    ours = set(sys.stdlib_module_names) | {"hangul_rnn", "hangul_rnn_tui", "__future__"}
    return required - ours, optional - ours - required


def _normal(name: str) -> str:
    return name.lower().replace("_", "-")


def _requirement_names(requirements: list[str]) -> set[str]:
    return {_normal(re.split(r"[\s<>=!~;\[]", r, maxsplit=1)[0]) for r in requirements}


def _distributions(modules: set[str], *, installed_only: bool = False) -> set[str]:
    mapping = importlib.metadata.packages_distributions()
    found: set[str] = set()
    for module in modules:
        dists = mapping.get(module)
        if not dists:
            assert installed_only, f"imported module {module!r} belongs to no installed distribution"
            found.add(_normal(module))  # not installed here (tomli on Python >= 3.11): its usual name
            continue
        found.update(_normal(d) for d in dists)
    return found


def test_runtime_dependencies_are_what_the_runtime_imports() -> None:
    project = PYPROJECT["project"]
    declared = _requirement_names(project["dependencies"])
    extras = set().union(*(_requirement_names(r) for r in project["optional-dependencies"].values()))
    required, optional = _imports(ROOT / "hangul_rnn")
    needed = _distributions(required)
    maybe = _distributions(optional, installed_only=True)
    assert needed <= declared, f"imported by the runtime but not a dependency: {sorted(needed - declared)}"
    assert declared <= needed | maybe, f"dependencies the runtime never imports: {sorted(declared - needed - maybe)}"
    assert maybe <= declared | extras, f"optional imports in no extra: {sorted(maybe - declared - extras)}"


def test_the_tui_extra_covers_what_the_tui_imports_beyond_the_runtime() -> None:
    project = PYPROJECT["project"]
    required, _ = _imports(ROOT / "tui")
    runtime = _requirement_names(project["dependencies"])
    assert _distributions(required) - runtime == _requirement_names(project["optional-dependencies"]["tui"])
    assert "textual" not in _distributions(_imports(ROOT / "hangul_rnn")[0]), "Textual imported under hangul_rnn/"


# --------------------------------------------------------------------------------------------------- the wheel


def _copy_tracked(dest: Path) -> Path:
    """The files git would ship (tracked and new, not ignored): a build from them cannot pick up stale output."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    return dest


@pytest.mark.slow
@pytest.mark.ci
def test_the_wheel_holds_every_module_and_data_file(tmp_path: Path) -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: cannot tell which files are part of the source")
    source = _copy_tracked(tmp_path / "src")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir",
                    str(tmp_path / "dist"), str(source)], check=True, timeout=600)
    (wheel,) = (tmp_path / "dist").glob("hangul_rnn-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        entry_points = next(zf.read(n).decode() for n in names if n.endswith(".dist-info/entry_points.txt"))
    expected = set(_installed_names())
    assert "hangul_rnn/commands/train.py" in expected and "hangul_rnn_tui/app.tcss" in expected
    missing = sorted(expected - names)
    assert not missing, f"the wheel lacks {missing}"
    assert any(re.search(r"\.dist-info/licenses/LICENSE$", n) for n in names), "no LICENSE in the wheel"
    assert "hangul-rnn = hangul_rnn.cli:main" in entry_points
    assert not any(n.startswith(("tui/", "tests/", "corpora/")) for n in names), "a source folder under its own name"
