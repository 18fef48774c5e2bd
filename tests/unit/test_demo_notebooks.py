"""The demo's notebooks: executed on local kernel sockets, rendered with described figures."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from gkwork import demo


def _png() -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1, 1))
    ax.bar([0, 1], [1, 2])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _notebook(alt: str | None) -> nbformat.NotebookNode:
    png = _png()
    cell = nbformat.v4.new_code_cell("fig")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data", data={"image/png": png, "text/plain": "<Figure size 100x100>"}
        )
    ]
    if alt is not None:
        cell.metadata["gkwork"] = {"alt": alt}
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Results"), cell])


def test_figures_take_their_cells_alt_text(tmp_path: Path) -> None:
    alt = 'Bar chart of requests (本年新收申请数量) by level; "median" <with> 95% intervals'
    src = tmp_path / "nb.ipynb"
    nbformat.write(_notebook(alt), str(src))
    html = demo.render_write_up(src, tmp_path / "out.html").read_text(encoding="utf-8")
    assert _img_alts(html) == [alt]  # quotes, brackets and Chinese survive the HTML round trip
    assert "No description has been provided" not in html


def _img_alts(html: str) -> list[str | None]:
    from html.parser import HTMLParser

    alts: list[str | None] = []

    class Images(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list) -> None:
            if tag == "img":
                alts.append(dict(attrs).get("alt"))

    Images().feed(html)
    return alts


def test_a_figure_without_alt_text_is_left_to_nbconvert(tmp_path: Path) -> None:
    nb = _notebook(None)
    assert demo._with_alt_text(nb) == 0
    assert "image/png" in nb.cells[1].outputs[0]["data"]


def test_the_write_up_describes_every_figure() -> None:
    # every figure the committed write-up notebook shows has a description
    nb = nbformat.read(str(Path(demo.__file__).parents[1] / "notebooks" / "04_write_up.ipynb"), 4)
    figures = [
        c
        for c in nb.cells
        if c.cell_type == "code"
        and any("image/png" in o.get("data", {}) for o in c.get("outputs", []))
    ]
    assert figures and all(c.metadata.get("gkwork", {}).get("alt") for c in figures)
    assert demo._with_alt_text(nb) == len(figures)


def _tiny_notebooks(tmp_path: Path, source: str, monkeypatch) -> Path:
    """A notebooks/ directory holding tiny.ipynb (one code cell), made the demo's."""
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, str(nbs / "tiny.ipynb"))
    monkeypatch.setattr(demo.paths, "NOTEBOOKS_DIR", nbs)
    return nbs


def test_demo_kernels_run_on_local_sockets(tmp_path: Path, monkeypatch, capfd) -> None:
    """The demo's kernels listen on Unix sockets (POSIX): ipykernel then has no unencrypted
    TCP to warn about, and the notebook still runs."""
    import os

    import pytest

    if os.name != "posix":
        pytest.skip("IPC kernels are for POSIX systems; Windows keeps TCP")
    _tiny_notebooks(tmp_path, "print(6 * 7)", monkeypatch)
    (done,) = demo.run_notebooks(tmp_path / "out", notebooks=["tiny"])
    ran = nbformat.read(str(done), 4)
    assert ran.cells[0].outputs[0]["text"].strip() == "42"
    assert "without encryption" not in capfd.readouterr().err


def test_refresh_runs_notebooks_in_their_directory_on_local_sockets(
    tmp_path: Path, monkeypatch
) -> None:
    """`make notebooks` runs each kernel in notebooks/ while this process stays where it is:
    the kernel's sockets must be found from both (they were not when their path was relative:
    the client waited 60 s for a kernel listening elsewhere)."""
    nbs = _tiny_notebooks(tmp_path, "import os; os.getcwd()", monkeypatch)
    monkeypatch.chdir(tmp_path)
    (done,) = demo.refresh_notebooks(["tiny"])
    out = nbformat.read(str(done), 4).cells[0].outputs[0]["data"]["text/plain"]
    assert out == repr(str(nbs))


def test_require_parsed_stops_a_corpus_of_failures_with_one_line() -> None:
    from gkwork.corpus import Corpus
    from gkwork.demo import require_parsed
    from gkwork.errors import GkworkError

    frames = [pd.DataFrame() for _ in range(3)]
    failed = Corpus(pd.DataFrame({"status": ["error", "empty", "error"]}), *frames)
    with pytest.raises(GkworkError, match=r"none of the 3 files .* \(empty 1, error 2\)"):
        require_parsed(failed)
    require_parsed(Corpus(pd.DataFrame({"status": ["error", "ok"]}), *frames))  # one suffices
