"""The bundled demo: build the sample corpus, run the four notebooks, render the write-up.

``python -m gkwork.demo`` (``make demo``)

1. writes the clearly labelled synthetic sample (:data:`SAMPLE_N` reports, seed
   :data:`SAMPLE_SEED`, formats :data:`SAMPLE_FORMATS`, a share :data:`SAMPLE_FAULTS` with one
   injected defect recorded in ``truth.jsonl``) into ``data/raw/synthetic`` with
   :func:`gkwork.synth.write_corpus`; every file says on its first line that it is synthetic;
2. builds the five seeds plus the sample into ``data/processed`` (Parquet dataset, checks);
3. executes ``notebooks/01..04`` with papermill into ``build/notebooks/`` (the committed
   notebooks are not touched), which write ``build/figures``, ``build/tables``,
   ``build/release`` and ``build/codebook.*``;
4. renders the executed ``04_write_up`` without code cells into ``build/write_up.html``.

The notebooks call :func:`load_bundled`, so that they also run on a fresh clone where
``data/raw/synthetic`` does not exist yet: the sample is then generated into
``build/synthetic`` (same seed, same files).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from gkwork import paths

logger = logging.getLogger("gkwork")

__all__ = [
    "NOTEBOOKS",
    "SAMPLE_FAULTS",
    "SAMPLE_FORMATS",
    "SAMPLE_N",
    "SAMPLE_SEED",
    "available_formats",
    "bundled_inputs",
    "ensure_sample",
    "gloss",
    "load_bundled",
    "main",
    "refresh_notebooks",
    "rel",
    "render_write_up",
    "require_parsed",
    "run_notebooks",
]

#: Size, seed and formats of the synthetic sample bundled with the demo.
SAMPLE_N = 60
SAMPLE_SEED = 7
SAMPLE_FORMATS: tuple[str, ...] = ("txt", "md", "html", "docx")
#: Share of sample reports with one injected, recorded defect (so that checks have work to do).
SAMPLE_FAULTS = 0.2
#: Hidden stamp file written beside the sample (hidden files are not parsed as reports).
STAMP_NAME = ".gkwork_sample.json"
#: The notebooks, in reading order (stems of notebooks/*.ipynb).
NOTEBOOKS: tuple[str, ...] = (
    "01_corpus_loading",
    "02_table_reconstruction_checks",
    "03_statistical_comparison",
    "04_write_up",
)
#: Seconds a notebook cell may run in the demo before papermill gives up.
CELL_TIMEOUT = 600
_REPORT_SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx", ".pdf")


def rel(path: str | os.PathLike) -> str:
    """A path relative to the repository root when it lies inside it (for printed output).

    Examples
    --------
    >>> rel(paths.PROJECT_ROOT / "build" / "figures")
    'build/figures'
    """
    p = Path(os.path.realpath(path))  # never raises (a link to itself stays as it is)
    try:
        return p.relative_to(paths.PROJECT_ROOT).as_posix()
    except ValueError:
        return p.as_posix()


def gloss(term_zh: str) -> str:
    """``'依申请公开 (disclosure on request)'``: a Chinese term with its glossary gloss.

    Examples
    --------
    >>> gloss("依申请公开")
    '依申请公开 (disclosure on request)'
    """
    from gkwork import templates

    g = templates.glossary()
    hit = g[g["term_zh"] == term_zh]
    return f"{term_zh} ({hit['term_en'].iloc[0]})" if len(hit) else term_zh


def available_formats(formats: Sequence[str] = SAMPLE_FORMATS) -> tuple[str, ...]:
    """The formats of ``formats`` whose writer can be imported here (others are skipped)."""
    needs = {"html": ("gkwork.writers",), "docx": ("gkwork.writers", "docx"), "pdf": ("fpdf",)}
    out = []
    for f in formats:
        try:
            for mod in needs.get(f, ()):
                __import__(mod)
        except ImportError as exc:
            logger.warning("synthetic sample: skipping format %s (%s)", f, exc)
            continue
        out.append(f)
    return tuple(out)


def _stamp(n: int, seed: int, formats: Sequence[str]) -> dict[str, Any]:
    return {
        "n": n,
        "seed": seed,
        "formats": list(formats),
        "faults": SAMPLE_FAULTS,
        "generator": _generator_version(),
    }


def _generator_version() -> str:
    """A hash of the code that writes the sample: a changed generator writes it again."""
    import hashlib

    h = hashlib.sha256()
    for name in ("synth.py", "render.py", "writers.py"):
        f = Path(__file__).with_name(name)
        if f.is_file():
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


def _has_sample(folder: Path, stamp: dict[str, Any]) -> bool:
    f = folder / STAMP_NAME
    if not (f.is_file() and (folder / "truth.jsonl").is_file()):
        return False
    try:
        return json.loads(f.read_text(encoding="utf-8")) == stamp
    except ValueError:
        return False


def _write_sample(folder: Path, n: int, seed: int, formats: Sequence[str]) -> Path:
    from gkwork import synth

    if folder.exists():
        shutil.rmtree(folder)
    specs = synth.generate(n, seed=seed, faults=SAMPLE_FAULTS)
    synth.write_corpus(specs, folder, formats=formats)
    stamp = _stamp(n, seed, formats)
    (folder / STAMP_NAME).write_text(json.dumps(stamp) + "\n", encoding="utf-8")
    logger.info("wrote synthetic sample (%d reports, seed %d) to %s", n, seed, folder)
    return folder


def ensure_sample(
    *,
    n: int = SAMPLE_N,
    seed: int = SAMPLE_SEED,
    formats: Sequence[str] = SAMPLE_FORMATS,
    prefer_raw: bool = True,
    write_raw: bool = False,
) -> Path:
    """The folder holding the synthetic sample, generating it when missing.

    Parameters
    ----------
    n, seed, formats :
        The sample (defaults: the bundled one). Formats whose writer cannot be imported are
        skipped.
    prefer_raw : bool
        Use ``data/raw/synthetic`` when it holds this very sample (stamp file matches).
    write_raw : bool
        Write the sample into ``data/raw/synthetic`` (the demo does; refused when that folder
        exists without a matching stamp, so files a user put there are never deleted).
        Otherwise a missing sample is written into ``build/synthetic``.

    Returns
    -------
    Path
    """
    formats = available_formats(formats)
    stamp = _stamp(n, seed, formats)
    raw = paths.SYNTH_DIR
    if prefer_raw and _has_sample(raw, stamp):
        return raw
    if write_raw:
        if raw.exists() and not (raw / STAMP_NAME).is_file() and any(raw.iterdir()):
            logger.warning(
                "%s holds files that are not the bundled sample; writing the sample to "
                "build/synthetic instead",
                rel(raw),
            )
        else:
            return _write_sample(raw, n, seed, formats)
    build = paths.BUILD_DIR / "synthetic"
    if _has_sample(build, stamp):
        return build
    return _write_sample(build, n, seed, formats)


def bundled_inputs(sample_dir: Path | None = None) -> list[Path]:
    """The five seeds plus the report files of the synthetic sample, sorted.

    ``truth.jsonl`` and hidden files are left out (they are not reports).
    """
    sample_dir = ensure_sample() if sample_dir is None else Path(sample_dir)
    files = [*paths.SEEDS_DIR.iterdir(), *sample_dir.iterdir()]
    keep = [f for f in files if f.is_file() and f.suffix.lower() in _REPORT_SUFFIXES]
    return sorted(keep, key=lambda f: (f.name, f.as_posix()))


def _present(corpus: Any, sample_dirs: Sequence[Path]) -> Any:
    """A copy of the corpus for display: repo-relative paths; sample reports marked synthetic."""
    from gkwork.corpus import Corpus

    reports = corpus.reports.copy()
    resolved = [Path(os.path.realpath(p)) for p in reports["path"].astype(str)]
    in_sample = [any(r.is_relative_to(d.resolve()) for d in sample_dirs) for r in resolved]
    reports["path"] = pd.array([rel(r) for r in resolved], dtype="string")
    syn = reports["synthetic"].astype("boolean").fillna(False)
    reports["synthetic"] = pd.array(syn.to_numpy(dtype=bool) | in_sample, dtype="boolean")
    return Corpus(reports, corpus.cells, corpus.sections, corpus.checks)


def load_bundled(
    raw_inputs: str | os.PathLike | Sequence[str | os.PathLike] | None = None,
    *,
    processed_dir: str | os.PathLike | None = None,
    seed: int = SAMPLE_SEED,
    n: int = SAMPLE_N,
    jobs: int | None = None,
) -> Any:
    """Build (or refresh, from the cache) a corpus dataset and load it as a Corpus.

    Parameters
    ----------
    raw_inputs : path or list of paths, optional
        Your own report files or folders. None: the bundled corpus (five seeds plus the
        synthetic sample of ``n`` reports drawn with ``seed``).
    processed_dir : path, optional
        Output folder of :func:`gkwork.corpus.build_corpus` (default ``data/processed``).
        A re-run parses only new or changed files.
    jobs : int, optional
        Worker processes (default all cores).

    Returns
    -------
    gkwork.corpus.Corpus
        Sorted by report_id; ``reports.path`` relative to the repository when inside it;
        reports of the synthetic sample have ``synthetic`` True.
    """
    from gkwork.corpus import build_corpus, load_corpus

    sample_dirs: list[Path] = []
    if raw_inputs is None:
        sample = ensure_sample(n=n, seed=seed)
        sample_dirs.append(sample)
        inputs: Any = bundled_inputs(sample)
    else:
        inputs = raw_inputs
    out = Path(processed_dir) if processed_dir is not None else paths.PROCESSED_DIR
    build_corpus(inputs, out, jobs=jobs, progress=False)
    return _present(load_corpus(out), sample_dirs)


def require_parsed(corpus: Any) -> None:
    """Stop (with a one-line error) when no report of ``corpus`` was parsed ``ok``.

    Notebooks 03 and 04 compare parsed reports; a corpus in which every file failed has
    nothing to compare, and notebook 01 lists why each file failed.

    Raises
    ------
    GkworkError
        Naming how many files failed, by status.
    """
    from gkwork.errors import GkworkError

    status = corpus.reports["status"]
    if (status == "ok").any():
        return
    counts = ", ".join(f"{k} {v}" for k, v in status.value_counts().sort_index().items())
    raise GkworkError(
        f"none of the {len(status)} files of this corpus was parsed ok ({counts or 'no files'}): "
        "nothing to compare; notebook 01 (or gkwork parse) says why each file failed"
    )


def run_notebooks(
    out_dir: Path | None = None,
    *,
    parameters: dict[str, Any] | None = None,
    notebooks: Sequence[str] = NOTEBOOKS,
) -> list[Path]:
    """Execute the notebooks with papermill into ``out_dir`` (default ``build/notebooks``).

    The committed notebooks are read, never written. Cells run with ``notebooks/`` as the
    working directory, so that relative paths in the notebooks hold.
    """
    import papermill as pm

    config = _kernel_config()
    out = out_dir or paths.BUILD_DIR / "notebooks"
    out.mkdir(parents=True, exist_ok=True)
    done = []
    for stem in notebooks:
        src = paths.NOTEBOOKS_DIR / f"{stem}.ipynb"
        dst = out / f"{stem}.ipynb"
        logger.info("executing %s", rel(src))
        pm.execute_notebook(
            str(src),
            str(dst),
            parameters=parameters or {},
            cwd=str(paths.NOTEBOOKS_DIR),
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
            execution_timeout=CELL_TIMEOUT,
            config=config,
        )
        done.append(dst)
    return done


def _kernel_config() -> Any:
    """Kernels on local (IPC) sockets where the system has them.

    Over TCP, ipykernel warns that its messages travel unencrypted on the loopback interface;
    a Unix socket in a private directory keeps them to this user. The sockets' path is
    absolute: a relative one (jupyter_client's default) is resolved by the kernel in its
    working directory and by the client in its own, which differ when a notebook runs in
    ``notebooks/``. Windows keeps TCP.
    """
    from traitlets.config import Config

    if os.name != "posix":
        return Config({"KernelManager": {"transport": "tcp"}})
    return Config({"KernelManager": {"transport": "ipc", "ip": str(_socket_dir() / "kernel")}})


def _socket_dir() -> Path:
    """A directory of this process for kernel sockets (0700, removed at exit)."""
    global _SOCKET_DIR
    if _SOCKET_DIR is None:
        import atexit
        import tempfile

        _SOCKET_DIR = Path(tempfile.mkdtemp(prefix="gkwork-kernels-"))
        atexit.register(shutil.rmtree, _SOCKET_DIR, ignore_errors=True)
    return _SOCKET_DIR


_SOCKET_DIR: Path | None = None


def refresh_notebooks(notebooks: Sequence[str] = NOTEBOOKS) -> list[Path]:
    """Re-execute the committed notebooks in place (their stored outputs are nbval's truth).

    Runs each notebook top to bottom with its default parameters in a fresh kernel, with
    ``notebooks/`` as working directory, and drops per-cell execution timestamps so that a
    re-run without changes gives an identical file. Review the diff before committing.
    """
    import nbformat
    from nbclient import NotebookClient

    done = []
    for stem in notebooks:
        path = paths.NOTEBOOKS_DIR / f"{stem}.ipynb"
        nb = nbformat.read(str(path), as_version=4)
        client = NotebookClient(
            nb,
            timeout=CELL_TIMEOUT,
            kernel_name="python3",
            resources={"metadata": {"path": str(paths.NOTEBOOKS_DIR)}},
            config=_kernel_config(),
        )
        client.execute()
        for cell in nb.cells:
            cell.metadata.pop("execution", None)
        nb.metadata.pop("widgets", None)
        nbformat.write(nb, str(path))
        done.append(path)
    return done


def _with_alt_text(nb: Any) -> int:
    """Give the figures of cells with ``metadata["gkwork"]["alt"]`` that text as ``<img alt>``.

    nbconvert's HTML has no alternative text for a notebook's figures (a screen reader then
    says only "No description has been provided for this image"), so each such figure output
    becomes an HTML ``<img>`` carrying the cell's description. Returns the figures described.
    """
    import html

    n = 0
    for cell in nb.cells:
        alt = cell.get("metadata", {}).get("gkwork", {}).get("alt")
        if cell.get("cell_type") != "code" or not alt:
            continue
        for out in cell.get("outputs", []):
            png = out.get("data", {}).get("image/png")
            if png:
                src = "data:image/png;base64," + "".join(png.split())
                out["data"] = {"text/html": f'<img alt="{html.escape(alt)}" src="{src}">'}
                n += 1
    return n


def render_write_up(executed: Path, html_path: Path) -> Path:
    """Render an executed notebook as HTML without code cells (``nbconvert --no-input``).

    Figures take their alternative text from their cell's ``metadata["gkwork"]["alt"]``.
    """
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(executed), as_version=4)
    _with_alt_text(nb)
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True)
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(nb)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(body, encoding="utf-8")
    return html_path


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m gkwork.demo [--skip-notebooks] [--jobs N]``."""
    ap = argparse.ArgumentParser(
        prog="python -m gkwork.demo",
        description="Build the bundled corpus, execute the notebooks, render the write-up.",
    )
    ap.add_argument("--skip-notebooks", action="store_true", help="only build the corpus")
    ap.add_argument(
        "--refresh-notebooks",
        action="store_true",
        help="re-execute the committed notebooks in place (nbval's expected outputs) and exit",
    )
    ap.add_argument("--jobs", type=int, default=None, help="worker processes (default: all)")
    args = ap.parse_args(list(argv) if argv is not None else None)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("papermill").setLevel(logging.WARNING)
    if args.refresh_notebooks:
        for p in refresh_notebooks():
            print(f"demo: re-executed {rel(p)}")
        return 0
    from gkwork.corpus import build_corpus

    sample = ensure_sample(write_raw=True)
    print(f"demo: synthetic sample ({SAMPLE_N} reports, seed {SAMPLE_SEED}) in {rel(sample)}")
    res = build_corpus(bundled_inputs(sample), paths.PROCESSED_DIR, jobs=args.jobs, progress=False)
    print(
        f"demo: corpus of {res.n_files} reports ({res.n_ok} ok, {res.n_failed} failed) "
        f"in {rel(paths.PROCESSED_DIR)}"
    )
    if not args.skip_notebooks:
        params = {
            "processed_dir": str(paths.PROCESSED_DIR),
            "output_dir": str(paths.BUILD_DIR),
        }
        executed = run_notebooks(parameters=params)
        print(f"demo: executed notebooks in {rel(executed[0].parent)}")
        html = render_write_up(executed[-1], paths.BUILD_DIR / "write_up.html")
        print(f"demo: write-up in {rel(html)}")
    print("demo: results")
    for label, p in [
        ("dataset (Parquet)", paths.PROCESSED_DIR),
        ("figures", paths.BUILD_DIR / "figures"),
        ("tables", paths.BUILD_DIR / "tables"),
        ("data release", paths.BUILD_DIR / "release"),
        ("codebook", paths.BUILD_DIR / "codebook.md"),
        ("write-up", paths.BUILD_DIR / "write_up.html"),
    ]:
        mark = "" if p.exists() else "  (not written)"
        print(f"  {label:<18} {rel(p)}{mark}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
