"""Rules the package's source keeps (read from the source with ``ast``, nothing is imported).

* every module of ``src/pelkit`` is at most :data:`MAX_MODULE_LINES` lines;
* no public function or method takes more than :data:`MAX_PARAMETERS` parameters (``self`` and
  ``cls`` not counted, ``*args``/``**kwargs`` counted as one each). Exempt: Numba-compiled
  kernels (``@njit``, ``@jit``, ``@cuda.jit``, ...: they take flat arrays by design) and Typer
  command functions in ``pelkit.cli`` (one parameter per command-line option); tuning knobs of
  library functions go into small frozen option dataclasses instead (``NEBOptions``,
  ``SwapMCOptions``, ...);
* no docstring of the package and no page of ``docs/`` or the README points outside the
  repository: no "SCIENCE.md", "DESIGN.md", "seed 00N" / "seed-00N" files, no paths into the
  development machine, no relative link that leaves the repository;
* the import graph is layered, lowest first: models/engine (and the core modules) ->
  dynamics/landscape/modes -> analysis/theory/io/interop/plotting/parallel -> studies -> cli.
  At import time (module-level imports) no module imports a higher layer and there is no
  cycle, between modules or between the packages; imports inside functions never reach
  ``studies`` or ``cli`` from below, and the few that reach one layer up are listed, with
  their reason, in :data:`LAZY_UPWARD` (the list must match the source exactly, so a new one
  fails here and a removed one must be struck from the list).
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = SRC / "pelkit"

MAX_MODULE_LINES = 700
MAX_PARAMETERS = 12

# layer of each unit (longest matching prefix wins); lowest first
LAYERS: dict[str, int] = {
    "pelkit": 0,  # the package __init__
    "pelkit.errors": 0,
    "pelkit.deprecation": 0,
    "pelkit.system": 0,
    "pelkit.cluster": 0,  # cluster options (depends on errors only)
    "pelkit.examples": 0,
    "pelkit.models": 0,
    "pelkit.engine": 0,
    "pelkit.build": 0,
    # the GPU drivers of batched MD and of the batched FIRE 2.0 quench live beside their CUDA
    # kernels but are dynamics / landscape code (thermostat codes, FIRE parameters)
    "pelkit.engine.cuda.md": 1,
    "pelkit.engine.cuda.quench": 1,
    "pelkit.dynamics": 1,
    "pelkit.landscape": 1,
    "pelkit.modes": 1,
    "pelkit.analysis": 2,
    "pelkit.theory": 2,
    "pelkit.io": 2,
    "pelkit.interop": 2,
    "pelkit.plotting": 2,
    "pelkit.parallel": 2,
    "pelkit.studies": 3,
    "pelkit.cli": 4,
}

# imports inside functions that reach a higher layer: (importer, imported) -> reason
LAZY_UPWARD: dict[tuple[str, str], str] = {
    ("pelkit.system", "pelkit.interop.ase"): "System.to_ase/from_ase, the optional ASE bridge",
    ("pelkit.models.base", "pelkit.io.elements"): "chemical symbols of species read from files",
    ("pelkit.engine.cuda", "pelkit.engine.cuda.md"): "lazy re-export of the GPU MD driver",
    ("pelkit.engine.cuda", "pelkit.engine.cuda.quench"): "lazy re-export of the GPU quench",
    ("pelkit.dynamics.md", "pelkit.io.h5md"): "MD writes its trajectory as H5MD on request",
    ("pelkit.dynamics.batched_md", "pelkit.parallel"): "task_seed, the campaign seed rule",
    ("pelkit.landscape.neb", "pelkit.io.paths"): "deprecated NEBResult.write_path shim",
    ("pelkit.landscape.rates", "pelkit.theory.master_equation"): "validates the network JSON",
}

NUMBA_DECORATORS = ("njit", "jit", "vectorize", "guvectorize", "stencil", "cfunc", "overload")
OUTSIDE = re.compile(
    r"SCIENCE\.md|DESIGN\.md|\bseeds?[ -]00\d\b|\.\./shared\b|/work/|/home/|[A-Za-z]:\\\\",
    re.IGNORECASE,
)


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()
TREES = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in MODULES.items()}


def _unit(module: str) -> str:
    parts = module.split(".")
    for k in range(len(parts), 0, -1):
        prefix = ".".join(parts[:k])
        if prefix in LAYERS:
            return prefix
    raise AssertionError(f"{module} has no layer in LAYERS")


def _layer(module: str) -> int:
    return LAYERS[_unit(module)]


def _resolve(name: str) -> str:
    """The module an import names: ``pelkit.a.b`` if it is a module, else its package."""
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


@cache
def _imports(module: str) -> list[tuple[str, bool, int]]:
    """(imported pelkit module, at import time?, line) for every import of ``module``, without
    the ``if TYPE_CHECKING:`` blocks."""
    tree = TREES[module]
    is_package = MODULES[module].name == "__init__.py"
    lazy: set[int] = set()
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lazy.update(id(n) for n in ast.walk(node))
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
    out = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                if not is_package:
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            # "from pkg import mod" imports the module pkg.mod (a package's __init__ runs
            # before its modules anyway: that is no edge); "from mod import name", mod
            names = [f"{stem}.{a.name}" if f"{stem}.{a.name}" in MODULES else stem
                     for a in node.names]
        for name in names:
            if name == "pelkit" or name.startswith("pelkit."):
                target = _resolve(name)
                if target != module:
                    out.append((target, id(node) not in lazy, node.lineno))
    return sorted(set(out))


def _parameter_count(fn: ast.FunctionDef | ast.AsyncFunctionDef, method: bool) -> int:
    a = fn.args
    names = [x.arg for x in a.posonlyargs + a.args]
    n = len(names) + len(a.kwonlyargs) + (a.vararg is not None) + (a.kwarg is not None)
    if method and names and names[0] in ("self", "cls") and not any(
        isinstance(d, ast.Name) and d.id == "staticmethod" for d in fn.decorator_list
    ):
        n -= 1
    return n


def _is_numba_kernel(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for dec in fn.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name in NUMBA_DECORATORS:
            return True
    return False


def _is_typer_command(module: str, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    if not module.startswith("pelkit.cli"):
        return False
    defaults = fn.args.defaults + [d for d in fn.args.kw_defaults if d is not None]
    for d in defaults:
        if isinstance(d, ast.Call):
            text = ast.unparse(d.func)
            if text.startswith("typer.") or text.endswith("_option"):
                return True
    return False


def _public_functions():
    """(module, qualified name, node, is method) of every public function and method (those of
    public classes; nested functions are private to their function)."""
    for module, tree in TREES.items():
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                if not node.name.startswith("_"):
                    yield module, node.name, node, False
            elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and (
                        not item.name.startswith("_") or item.name == "__init__"
                    ):
                        yield module, f"{node.name}.{item.name}", item, True


# ------------------------------------------------------------------------------------ tests
def test_modules_are_small() -> None:
    sizes = {m: len(p.read_text(encoding="utf-8").splitlines()) for m, p in MODULES.items()}
    big = {m: n for m, n in sizes.items() if n > MAX_MODULE_LINES}
    assert not big, f"modules over {MAX_MODULE_LINES} lines (split them): {big}"


def test_public_functions_take_few_parameters() -> None:
    long = []
    checked = 0
    for module, name, fn, method in _public_functions():
        if _is_numba_kernel(fn) or _is_typer_command(module, fn):
            continue
        checked += 1
        n = _parameter_count(fn, method)
        if n > MAX_PARAMETERS:
            long.append(f"{module}.{name} ({n})")
    assert checked > 500  # the walk found the package's functions
    assert not long, (
        f"public functions with more than {MAX_PARAMETERS} parameters (group the tuning knobs "
        f"into a frozen options dataclass): {long}"
    )


def test_the_parameter_rule_sees_long_signatures_and_its_exemptions() -> None:
    """The checks above on small sources: a long function counts, self does not, Numba
    kernels and Typer commands are exempt."""
    src = (
        "def f(a, b, c, d, e, f, g, h, i, j, k, l, m): pass\n"
        "class C:\n    def g(self, a, b, c, d, e, f, g, h, i, j, k, *args, **kw): pass\n"
        "@njit(cache=True)\ndef kern(a, b, c, d, e, f, g, h, i, j, k, l, m): pass\n"
        "def cmd(a=typer.Option(1), b=2, c=3, d=4, e=5, f=6, g=7, h=8, i=9, j=10, k=11,"
        " l=12, m=13): pass\n"
    )
    tree = ast.parse(src)
    f, c, kern, cmd = tree.body
    assert _parameter_count(f, False) == 13
    assert _parameter_count(c.body[0], True) == 13
    assert _is_numba_kernel(kern) and not _is_numba_kernel(f)
    assert _is_typer_command("pelkit.cli.x", cmd) and not _is_typer_command("pelkit.x", cmd)


def _docstrings():
    for module, tree in TREES.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef
                          | ast.AsyncFunctionDef):
                doc = ast.get_docstring(node, clean=False)
                if doc:
                    yield f"{module}:{getattr(node, 'lineno', 1)}", doc


def test_docstrings_point_inside_the_repository() -> None:
    bad = [f"{where}: {m.group(0)!r}" for where, doc in _docstrings()
           for m in OUTSIDE.finditer(doc)]
    assert not bad, f"docstrings citing files outside the repository: {bad}"


def _pages() -> list[Path]:
    return sorted((ROOT / "docs").rglob("*.md")) + [ROOT / "README.md"]


def test_doc_pages_point_inside_the_repository() -> None:
    bad = []
    link = re.compile(r"\]\(([^)\s]+)\)")
    for page in _pages():
        text = page.read_text(encoding="utf-8")
        bad += [f"{page.relative_to(ROOT)}: {m.group(0)!r}" for m in OUTSIDE.finditer(text)]
        for m in link.finditer(text):
            target = m.group(1).split("#")[0]
            if not target or re.match(r"[a-z]+:", target):  # anchors, http:, mailto:
                continue
            resolved = (page.parent / target).resolve()
            if ROOT not in resolved.parents and resolved != ROOT:
                bad.append(f"{page.relative_to(ROOT)}: link {target!r} leaves the repository")
    assert not bad, f"doc pages pointing outside the repository: {bad}"


def test_the_outside_pattern_catches_what_it_should() -> None:
    for text in ("see SCIENCE.md section 2", "DESIGN.md", "seed 004 eq 5", "(seed-003)",
                 "(seeds 000, 001)",
                 "../shared/notes", "/work/main/x"):
        assert OUTSIDE.search(text), text
    for text in ("seed004_local_diffusion", "argon-seed003", "seed = 3", "seed 4"):
        assert not OUTSIDE.search(text), text


def test_no_layer_imports_a_higher_one_at_import_time() -> None:
    bad = []
    for module in MODULES:
        for target, eager, line in _imports(module):
            if eager and _layer(target) > _layer(module):
                bad.append(f"{module}:{line} imports {target}")
    assert not bad, f"imports from a lower layer into a higher one: {bad}"


def test_lazy_imports_reach_up_only_where_listed() -> None:
    found = {}
    below_studies = []
    for module in MODULES:
        for target, eager, line in _imports(module):
            if eager:
                continue
            if _layer(target) >= LAYERS["pelkit.studies"] > _layer(module) or (
                _layer(target) == LAYERS["pelkit.cli"] > _layer(module)
            ):
                below_studies.append(f"{module}:{line} imports {target}")
            elif _layer(target) > _layer(module):
                found[(module, target)] = line
    assert not below_studies, f"library code importing studies or cli: {below_studies}"
    new = sorted(set(found) - set(LAZY_UPWARD))
    gone = sorted(set(LAZY_UPWARD) - set(found))
    assert not new, f"new imports into a higher layer (move the code, or list it): {new}"
    assert not gone, f"listed upward imports that no longer exist (strike them): {gone}"


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def _package(module: str) -> str:
    """The unit of :data:`LAYERS` a module belongs to, one level below ``pelkit`` at most
    finer where the table is finer."""
    return _unit(module)


def test_import_graph_has_no_cycle() -> None:
    modules: dict[str, set[str]] = defaultdict(set)
    packages: dict[str, set[str]] = defaultdict(set)
    for module in MODULES:
        for target, eager, _ in _imports(module):
            if not eager:
                continue
            modules[module].add(target)
            # a package's __init__ importing its own modules is no edge between packages
            if _package(target) != _package(module) and not target.startswith(module + "."):
                packages[_package(module)].add(_package(target))
    assert not _cycles(modules), f"module import cycles: {_cycles(modules)}"
    assert not _cycles(packages), f"package import cycles: {_cycles(packages)}"


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": {"c"}}) == []


@pytest.mark.parametrize("unit", sorted(LAYERS))
def test_every_layer_entry_names_a_module(unit: str) -> None:
    assert unit in MODULES, f"LAYERS names {unit}, which is no module of the package"
