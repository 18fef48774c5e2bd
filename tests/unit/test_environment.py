"""The environment: pyproject.toml and environment.yml name the same dependencies; what
importing gkwork sets."""

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


def _arrow_pool(env: dict[str, str]) -> str:
    """The backend of Arrow's default memory pool in a new interpreter that imports gkwork."""
    import os
    import subprocess
    import sys

    code = "import gkwork, pyarrow; print(pyarrow.default_memory_pool().backend_name)"
    clean = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    done = subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_gkwork_puts_arrow_on_the_c_library_allocator_unless_told_otherwise():
    # mimalloc kept ~150 MB of freed pages per 20,000 reports' panel cells (RESULTS.md)
    import pyarrow as pa
    import pytest

    assert _arrow_pool({}) == "system"
    for backend in ("mimalloc", "jemalloc"):  # a choice made in the environment stands
        try:
            getattr(pa, f"{backend}_memory_pool")()
        except NotImplementedError:  # this pyarrow build lacks it
            continue
        assert _arrow_pool({"ARROW_DEFAULT_MEMORY_POOL": backend}) == backend
        return
    pytest.skip("this pyarrow has neither mimalloc nor jemalloc to choose")


def test_citation_file_names_the_package_version():
    """CITATION.cff (what GitHub's "Cite this repository" reads) is kept in step."""
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "version"
    ]
    cff = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert re.search(r'^version: "?([^"\n]+)"?$', cff, re.M).group(1) == version
    assert cff.startswith("cff-version: 1.2.0\n")
