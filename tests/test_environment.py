"""The declared environments agree with each other.

pyproject.toml is the source of truth for dependencies. environment.yml (conda users) must list
every one of them, constraints.txt (what `make` installs) must pin every one of them for every
supported Python version, and the book configuration must keep the settings the project relies on.
"""
import re
import sys
from importlib import metadata
from pathlib import Path

import pytest

pytestmark = pytest.mark.policy

ROOT = Path(__file__).resolve().parents[1]

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest itself depends on tomli there
    try:
        import tomli as tomllib
    except ModuleNotFoundError:
        tomllib = None

try:
    import yaml
except ModuleNotFoundError:  # PyYAML comes with jupyter-book; fall back to a line parser
    yaml = None

# Python versions the constraints must cover (requires-python is >= 3.10), including Debian 12's
# 3.11.2 (some pins, e.g. soupsieve 4, need >= 3.11.5).
SUPPORTED_PYTHONS = ["3.10.0", "3.10.13", "3.11.0", "3.11.2", "3.11.7", "3.12.0", "3.13.0"]

# PyPI name -> conda-forge name, where they differ (none of the current dependencies).
CONDA_NAMES = {}

# Optional extras: `make` installs them only when asked (EXTRAS=book,test,nest; CI does), and
# environment.yml lists their requirements as commented-out entries ("# - nest-simulator").
# Value: every pin of constraints.txt the extra brings in (its requirements and their
# dependencies that nothing else needs); they may be absent from a .venv made without it.
OPTIONAL_EXTRAS = {"nest": {"nest-simulator", "cython"}}


def canonical(name):
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def req_name(requirement):
    """Distribution name of a PEP 508 / conda requirement string ('jupyter-book>=1,<2' -> 'jupyter-book')."""
    return canonical(re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement).group(1))


def req_specifier(requirement):
    m = re.match(r"\s*[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[^\]]*\])?\s*([^;]*)", requirement)
    return m.group(1).strip()


@pytest.fixture(scope="module")
def pyproject():
    if tomllib is None:
        pytest.skip("no TOML parser (tomllib / tomli) available")
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


@pytest.fixture(scope="module")
def direct_requirements(pyproject):
    """Every runtime and extra requirement string of pyproject.toml (optional extras included)."""
    project = pyproject["project"]
    reqs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        reqs.extend(extra)
    return reqs


@pytest.fixture(scope="module")
def optional_requirements(pyproject):
    """The requirement strings of the optional extras (OPTIONAL_EXTRAS)."""
    extras = pyproject["project"].get("optional-dependencies", {})
    return [r for name in OPTIONAL_EXTRAS for r in extras.get(name, [])]


def _environment_yml():
    text = (ROOT / "environment.yml").read_text()
    if yaml is not None:
        return yaml.safe_load(text)
    # Minimal fallback: top-level "- item" entries and the nested "pip:" list.
    conda, pip, in_pip = [], [], False
    for line in text.splitlines():
        line = line.split(" #", 1)[0].rstrip()
        m = re.match(r"^(\s*)-\s+(.*)$", line)
        if not m:
            continue
        indent, item = len(m.group(1)), m.group(2).strip()
        if item == "pip:":
            in_pip = True
        elif in_pip and indent > 2:
            pip.append(item)
        else:
            in_pip = False
            conda.append(item)
    return {"dependencies": conda + [{"pip": pip}]}


@pytest.fixture(scope="module")
def environment_yml():
    return _environment_yml()


def _env_names(env):
    conda, pip = set(), set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for item in dep.get("pip", []):
                if item.startswith("-"):  # "-e ." and other options
                    continue
                pip.add(req_name(item))
        else:
            conda.add(req_name(dep.split("::")[-1]))
    return conda, pip


def _marker_applies(marker, python_full_version):
    """Evaluate a python_version / python_full_version marker of constraints.txt for 'X.Y.Z'."""
    if not marker:
        return True
    major_minor = ".".join(python_full_version.split(".")[:2])
    try:
        from packaging.markers import Marker
    except ModuleNotFoundError:  # only such comparisons joined by 'and' are used
        for clause in marker.split(" and "):
            var, op, value = re.match(
                r'\s*(python_full_version|python_version)\s*([<>=!]=?)\s*"([\d.]+)"', clause).groups()
            ver = python_full_version if var == "python_full_version" else major_minor
            a = tuple(int(x) for x in ver.split("."))
            b = tuple(int(x) for x in value.split("."))
            width = max(len(a), len(b))
            a, b = a + (0,) * (width - len(a)), b + (0,) * (width - len(b))
            ok = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[op]
            if not ok:
                return False
        return True
    return Marker(marker).evaluate({"python_version": major_minor,
                                    "python_full_version": python_full_version})


@pytest.fixture(scope="module")
def constraints():
    """[(canonical name, version, marker)] from constraints.txt."""
    pins = []
    for raw in (ROOT / "constraints.txt").read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        spec, _, marker = line.partition(";")
        assert "==" in spec, f"constraints.txt: not an exact pin: {raw!r}"
        name, version = spec.split("==")
        pins.append((canonical(name), version.strip(), marker.strip()))
    return pins


def test_pyproject_has_the_expected_extras(pyproject):
    project = pyproject["project"]
    assert project["name"] == "mfkit"
    assert {"book", "test"} <= set(project["optional-dependencies"])
    runtime = {req_name(r) for r in project["dependencies"]}
    assert {"numpy", "scipy", "numba", "mpmath"} <= runtime


def test_environment_yml_lists_every_pyproject_dependency(direct_requirements, optional_requirements,
                                                           environment_yml):
    conda, pip = _env_names(environment_yml)
    optional = {req_name(r) for r in optional_requirements}
    missing = sorted(name for name in {req_name(r) for r in direct_requirements} - optional
                     if name not in pip and CONDA_NAMES.get(name, name) not in conda)
    assert not missing, f"environment.yml lacks: {missing}"


def _commented_entries():
    """Names of the commented-out list entries of environment.yml ("  # - nest-simulator")."""
    text = (ROOT / "environment.yml").read_text()
    return {req_name(m.group(1)) for m in re.finditer(r"^\s*#\s*-\s+([A-Za-z0-9][^\s#]*)", text, re.M)}


def test_optional_extras_declared_and_offered_in_environment_yml(pyproject, optional_requirements,
                                                                 environment_yml):
    """Every optional extra exists in pyproject.toml, its pins cover its requirements, and
    environment.yml offers each of its requirements (commented out, or installed)."""
    extras = pyproject["project"]["optional-dependencies"]
    assert set(OPTIONAL_EXTRAS) <= set(extras), (set(OPTIONAL_EXTRAS), set(extras))
    for name, pins in OPTIONAL_EXTRAS.items():
        assert {req_name(r) for r in extras[name]} <= pins, (name, extras[name], pins)
    conda, pip = _env_names(environment_yml)
    offered = _commented_entries() | pip | conda
    missing = sorted(name for name in {req_name(r) for r in optional_requirements}
                     if name not in offered and CONDA_NAMES.get(name, name) not in offered)
    assert not missing, f"environment.yml does not offer (not even commented out): {missing}"


def test_environment_yml_python_matches_requires_python(pyproject, environment_yml):
    requires = pyproject["project"]["requires-python"].replace(" ", "")
    pythons = [d.replace(" ", "") for d in environment_yml["dependencies"]
               if isinstance(d, str) and req_name(d) == "python"]
    assert pythons, "environment.yml does not specify python"
    assert pythons[0] == "python" + requires, (pythons[0], requires)


def test_environment_yml_installs_mfkit_itself(environment_yml):
    pip = [item for dep in environment_yml["dependencies"] if isinstance(dep, dict)
           for item in dep.get("pip", [])]
    assert any(re.fullmatch(r"-e\s+\.(\[[a-z,]+\])?", item) for item in pip), pip


@pytest.mark.parametrize("python_version", SUPPORTED_PYTHONS)
def test_constraints_pin_every_direct_dependency(direct_requirements, constraints, python_version):
    for requirement in direct_requirements:
        name = req_name(requirement)
        applicable = [v for n, v, m in constraints if n == name and _marker_applies(m, python_version)]
        assert len(applicable) == 1, (
            f"constraints.txt must pin {name} exactly once for Python {python_version}: {applicable}")
        spec = req_specifier(requirement)
        if spec:
            try:
                from packaging.specifiers import SpecifierSet
            except ModuleNotFoundError:
                continue
            assert applicable[0] in SpecifierSet(spec), (
                f"pin {name}=={applicable[0]} violates pyproject's {requirement!r}")


def test_constraints_do_not_pin_mfkit(constraints):
    assert "mfkit" not in {n for n, _, _ in constraints}


def test_constraints_have_no_duplicate_pins(constraints):
    for python_version in SUPPORTED_PYTHONS:
        names = [n for n, _, m in constraints if _marker_applies(m, python_version)]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        assert not duplicates, f"Python {python_version}: pinned more than once: {duplicates}"


def _installed(name):
    try:
        metadata.version(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def test_project_venv_matches_constraints(pyproject, constraints):
    """In the project's .venv (made by `make`), installed versions equal the pins."""
    if Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
        pytest.skip("not running in the project's .venv")
    pyver = "%d.%d.%d" % sys.version_info[:3]
    extras = pyproject["project"]["optional-dependencies"]
    left_out = set().union(*(pins for name, pins in OPTIONAL_EXTRAS.items()  # extras not installed
                             if not any(_installed(req_name(r)) for r in extras[name])))
    stale = []
    for name, version, marker in constraints:
        if not _marker_applies(marker, pyver) or name in left_out:
            continue
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            stale.append(f"{name} (pinned {version}, not installed)")
            continue
        if installed != version:
            stale.append(f"{name} {installed} != {version}")
    assert not stale, "the .venv differs from constraints.txt (run `make distclean test`): " + ", ".join(stale)


def test_book_config_keeps_required_settings():
    if yaml is None:
        pytest.skip("PyYAML not installed")
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    execute = config["execute"]
    assert execute["execute_notebooks"] == "cache"
    assert execute["allow_errors"] is False, "notebook errors must fail the build"
    assert "sphinx-mathjax-offline" in config["sphinx"]["extra_extensions"], "equations must render offline"
    for bib in config["bibtex_bibfiles"]:
        assert (ROOT / bib).is_file(), bib


def test_every_toc_entry_exists():
    if yaml is None:
        pytest.skip("PyYAML not installed")
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())

    def files(node):
        if isinstance(node, dict):
            if "file" in node:
                yield node["file"]
            for value in node.values():
                yield from files(value)
        elif isinstance(node, list):
            for item in node:
                yield from files(item)

    entries = [toc["root"], *files(toc)]
    missing = [e for e in entries
               if not any((ROOT / (e + ext)).is_file() for ext in ("", ".md", ".ipynb", ".rst"))]
    assert not missing, f"_toc.yml entries without a file: {missing}"


def test_no_javascript_under_static():
    """Jupyter Book 1 loads every .js under _static as a script; MathJax comes from sphinx-mathjax-offline."""
    offenders = [p for d in (ROOT / "_static", ROOT / "book" / "_static") if d.is_dir()
                 for p in d.rglob("*.js")]
    assert not offenders, offenders


def test_citation_cff_version_matches_package(pyproject):
    if yaml is None:
        pytest.skip("PyYAML not installed")
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    init = (ROOT / "mfkit" / "__init__.py").read_text()
    version = re.search(r'^__version__\s*=\s*["\']([^"\']+)["\']', init, re.M).group(1)
    assert str(cff["version"]) == version
    assert cff["license"] == pyproject["project"]["license"]
