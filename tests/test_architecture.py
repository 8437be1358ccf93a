"""The shape of the package: data flows one way, model -> solvers and analyses -> presentation.

Every ``mfkit/**/*.py`` is parsed with :mod:`ast`; its imports are read wherever they stand (module
level, inside functions, under ``if TYPE_CHECKING``), and so are attribute accesses ``module._name``
on an imported mfkit module.  Checked, with one test per module so that a failure names the file,
the line and the import:

* **layers** (:data:`LAYERS`): a module imports only modules of its own layer or of a lower one, so
  the model (``neuron``, ``network``, ``brunel``) imports no solver or analysis, and no science module
  imports ``plotting`` or ``verification``;
* **no import cycle** in the graph of mfkit's modules;
* **no private name of another module**: no ``from mfkit.x import _name`` and no ``x._name``; a
  private *module* (``mfkit._special``) may be imported, the names used from it are public.

Not followed: the implicit import of a parent package (``import mfkit.siegert`` runs
``mfkit/__init__.py`` first); edges are between the modules an import statement names.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pytest

pytestmark = pytest.mark.policy

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "mfkit"

#: The layers, lowest first.  A module may import modules of its own layer and of the layers below.
#: An entry names a module, or a package with everything in it ("mfkit.spiking").
LAYERS: list[tuple[str, set[str]]] = [
    ("single neuron: eq. 27 and its kernels, the neuron's parameters, the mpmath reference",
     {"mfkit._tables", "mfkit._special", "mfkit._kernels", "mfkit.siegert", "mfkit.neuron", "mfkit.reference",
      "mfkit.density", "mfkit.shot_noise"}),
    ("model: the network, its input statistics (eq. 28-29, or as shot noise) and its delays",
     {"mfkit.network", "mfkit.delays", "mfkit.shot_input"}),
    ("parameterisation: the Brunel / NEST-example network, the cortical microcircuit",
     {"mfkit.brunel", "mfkit.microcircuit"}),
    ("solvers and analyses",
     {"mfkit.fixed_points", "mfkit.pseudo_time", "mfkit.continuation", "mfkit.stability", "mfkit.roots",
      "mfkit.response", "mfkit.isi", "mfkit.single_neuron", "mfkit.spiking",
      "mfkit.spectra", "mfkit.self_consistent", "mfkit.renewal"}),
    ("presentation: public API, checks against the theory, figures, command line",
     {"mfkit", "mfkit.verification", "mfkit.plotting", "mfkit.__main__"}),
]


# ------------------------------------------------------------------ reading the package

def module_name(path: Path, root: Path = ROOT) -> str:
    """Dotted name of the module in ``path`` (``mfkit/spiking/__init__.py`` -> ``mfkit.spiking``)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@dataclass(frozen=True)
class Import:
    """One use of another mfkit module: ``target`` is the module named; ``name`` the name taken from
    it (None for the module itself); ``line`` and ``text`` locate it in the importing file."""
    target: str
    name: str | None
    line: int
    text: str


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    """Absolute name of ``from <level dots><name> import ...`` written in ``module``."""
    if level == 0:
        return name or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def imports_of(source: str, module: str, is_package: bool, modules: set[str]) -> list[Import]:
    """Every import of an mfkit module in ``source`` (any depth), and every ``alias._name``
    attribute access on an imported mfkit module.  ``modules``: the names of all mfkit modules."""
    tree = ast.parse(source)
    found: list[Import] = []
    aliases: dict[str, str] = {}  # local name -> mfkit module it is bound to
    for node in ast.walk(tree):
        text = ast.unparse(node) if isinstance(node, (ast.Import, ast.ImportFrom)) else ""
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] != "mfkit":
                    continue
                found.append(Import(a.name, None, node.lineno, text))
                if a.asname:
                    aliases[a.asname] = a.name
                else:
                    aliases[a.name.split(".")[0]] = "mfkit"
        elif isinstance(node, ast.ImportFrom):
            source_module = _resolve(module, is_package, node.level, node.module)
            if source_module.split(".")[0] != "mfkit":
                continue
            for a in node.names:
                sub = f"{source_module}.{a.name}"
                if sub in modules:  # `from mfkit.spiking import _threads`: the submodule itself
                    found.append(Import(sub, None, node.lineno, text))
                    aliases[a.asname or a.name] = sub
                else:
                    found.append(Import(source_module, a.name, node.lineno, text))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        chain, inner = [node.attr], node.value
        while isinstance(inner, ast.Attribute):
            chain.append(inner.attr)
            inner = inner.value
        if not isinstance(inner, ast.Name) or inner.id not in aliases:
            continue
        target = aliases[inner.id]
        parts = chain[::-1]
        while parts and f"{target}.{parts[0]}" in modules:  # mfkit.siegert._point: walk down to the module
            target = f"{target}.{parts.pop(0)}"
        if parts and is_private(parts[0]):
            found.append(Import(target, parts[0], node.lineno, ast.unparse(node)))
    return found


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    imports: tuple[Import, ...]

    @property
    def file(self) -> str:
        return self.path.relative_to(ROOT).as_posix()


@lru_cache(maxsize=None)
def package() -> dict[str, Module]:
    paths = sorted(PACKAGE.rglob("*.py"))
    names = {module_name(p) for p in paths}
    out = {}
    for p in paths:
        name = module_name(p)
        found = imports_of(p.read_text(encoding="utf-8"), name, p.name == "__init__.py", names)
        out[name] = Module(name, p, tuple(i for i in found if i.target != name))
    return out


def layer_of(module: str) -> int | None:
    """Index in :data:`LAYERS` of ``module`` (a package entry covers its submodules), else None."""
    for k, (_, members) in enumerate(LAYERS):
        if any(module == m or module.startswith(m + ".") and m != "mfkit" for m in members):
            return k
    return None


def cycle_through(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    """A shortest import cycle start -> ... -> start in ``graph``, or None."""
    frontier, parent = [start], {}
    while frontier:
        nxt = []
        for node in frontier:
            for succ in sorted(graph.get(node, ())):
                if succ == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(parent[path[-1]])
                    return path[::-1] + [start]
                if succ not in parent:
                    parent[succ] = node
                    nxt.append(succ)
        frontier = nxt
    return None


MODULES = sorted(package())


def _where(module: Module, imp: Import) -> str:
    return f"{module.file}:{imp.line}: {imp.text}"


# ------------------------------------------------------------------ the rules

def test_every_module_has_a_layer():
    missing = [package()[m].file for m in MODULES if layer_of(m) is None]
    assert not missing, f"place these modules in a layer of LAYERS (tests/test_architecture.py): {missing}"


def test_every_layer_entry_is_a_module():
    stale = sorted(m for _, members in LAYERS for m in members if m not in package())
    assert not stale, f"LAYERS names modules that do not exist (renamed or removed?): {stale}"


@pytest.mark.parametrize("name", MODULES)
def test_imports_go_down_the_layers(name):
    """The model imports no solver or analysis; no science module imports plotting or verification."""
    module = package()[name]
    own = layer_of(name)
    if own is None:
        pytest.fail(f"{module.file} has no layer (see test_every_module_has_a_layer)")
    upward = [f"{_where(module, i)}  ({name} is in '{LAYERS[own][0]}', {i.target} in "
              f"'{LAYERS[layer_of(i.target)][0]}')"
              for i in module.imports if layer_of(i.target) is not None and layer_of(i.target) > own]
    assert not upward, "imports of a higher layer:\n" + "\n".join(upward)


@pytest.mark.parametrize("name", MODULES)
def test_no_import_cycle(name):
    mods = package()
    graph = {m: {i.target for i in mods[m].imports if i.target in mods} for m in mods}
    cycle = cycle_through(name, graph)
    if cycle is None:
        return
    steps = []
    for a, b in zip(cycle, cycle[1:]):
        first = min((i for i in mods[a].imports if i.target == b), key=lambda i: i.line)
        steps.append(_where(mods[a], first))
    assert False, f"import cycle {' -> '.join(cycle)}:\n" + "\n".join(steps)


@pytest.mark.parametrize("name", MODULES)
def test_no_private_name_of_another_module(name):
    module = package()[name]
    private = [f"{_where(module, i)}  (private name {i.name} of {i.target})"
               for i in module.imports if i.name is not None and is_private(i.name)]
    assert not private, "make these names public, or keep them in their module:\n" + "\n".join(private)


# ------------------------------------------------------------------ the reader finds what it must

MODS = {"mfkit", "mfkit.a", "mfkit.b", "mfkit.pkg", "mfkit.pkg._x", "mfkit._k"}


def test_reader_finds_function_level_relative_and_attribute_uses():
    src = ("import numpy as np\n"
           "from . import _k\n"
           "from .b import public, _hidden\n"
           "from .pkg import _x\n"
           "import mfkit.b as bee\n"
           "def f():\n"
           "    from .pkg._x import thing\n"
           "    return bee._secret + _k._kernel(1) + _x.public\n")
    found = {(i.target, i.name, i.line) for i in imports_of(src, "mfkit.a", False, MODS)}
    assert found == {("mfkit._k", None, 2), ("mfkit.b", "public", 3), ("mfkit.b", "_hidden", 3),
                     ("mfkit.pkg._x", None, 4), ("mfkit.b", None, 5), ("mfkit.pkg._x", "thing", 7),
                     ("mfkit.b", "_secret", 8), ("mfkit._k", "_kernel", 8)}


def test_reader_resolves_relative_imports_inside_a_package():
    found = imports_of("from .. import a\nfrom ._x import y\n", "mfkit.pkg", True, MODS)
    assert [(i.target, i.name) for i in found] == [("mfkit.a", None), ("mfkit.pkg._x", "y")]
    found = imports_of("from ..b import c\n", "mfkit.pkg._x", False, MODS)
    assert [(i.target, i.name) for i in found] == [("mfkit.b", "c")]


def test_cycle_search_finds_a_cycle_and_only_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    assert cycle_through("a", graph) == ["a", "b", "c", "a"]
    assert cycle_through("d", graph) is None


def test_layers_place_packages_and_reject_strangers():
    assert layer_of("mfkit.spiking.engine") == layer_of("mfkit.spiking") == 3
    assert layer_of("mfkit.network") < layer_of("mfkit.fixed_points") < layer_of("mfkit.plotting")
    assert layer_of("mfkit.unknown") is None
