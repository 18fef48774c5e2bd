"""pyproject.toml and environment.yml name the same dependencies."""

import re
import tomllib

from conftest import ROOT

# conda-forge names that differ from PyPI names
CONDA_TO_PYPI = {"python-duckdb": "duckdb", "distributed": "dask"}


def _name(spec: str) -> str:
    name = re.split(r"[<>=!~\[ ;]", spec.strip(), maxsplit=1)[0]
    return name.lower().replace("_", "-")


def _pyproject() -> set[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    deps = data["project"]["dependencies"] + data["project"]["optional-dependencies"]["dev"]
    return {_name(d) for d in deps}


def _environment() -> set[str]:
    names = set()
    text = (ROOT / "environment.yml").read_text(encoding="utf-8")
    for line in text.split("dependencies:", 1)[1].splitlines():
        m = re.match(r"^\s+-\s+([A-Za-z0-9_.\-\[\]]+(?:[<>=!~].*)?)$", line)
        if not m or line.strip().startswith("- -e") or line.strip() == "- pip:":
            continue
        name = _name(m.group(1))
        if name in ("python", "pip"):
            continue
        names.add(CONDA_TO_PYPI.get(name, name))
    return names


def test_same_dependencies():
    py, env = _pyproject(), _environment()
    assert py - env == set(), f"in pyproject.toml but not environment.yml: {sorted(py - env)}"
    assert env - py == set(), f"in environment.yml but not pyproject.toml: {sorted(env - py)}"
