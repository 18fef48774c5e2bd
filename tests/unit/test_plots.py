"""gkwork.plots: a CJK font without missing glyphs, and deterministic PNG/SVG files."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from gkwork import plots, stats  # noqa: E402
from gkwork.errors import GkworkError  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _glyph_warnings(record) -> list[str]:
    msgs = [str(w.message) for w in record]
    return [m for m in msgs if "missing from" in m or "Glyph" in m]


def test_font_resolves_to_noto_cjk():
    family = plots.setup_cjk_font()
    assert family == "Noto Sans CJK SC"
    found = font_manager.findfont(
        font_manager.FontProperties(family=family), fallback_to_default=False
    )
    assert Path(found).name == plots.CJK_FONT_FILE
    assert plt.rcParams["font.sans-serif"][0] == family
    assert plt.rcParams["axes.unicode_minus"] is False


def test_chinese_labels_draw_without_missing_glyphs():
    plots.setup_cjk_font()
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        fig, ax = plt.subplots()
        ax.bar(["予以公开", "不予公开"], [3, -1])
        ax.set_title("依申请公开 disclosure on request")
        ax.set_xlabel("政府信息公开工作年度报告")
        fig.canvas.draw()
    assert _glyph_warnings(rec) == []


def _volumes() -> pd.DataFrame:
    h = pd.DataFrame(
        {"admin_level": ["乡镇", "乡镇", "县级", "县级"], "received": [0.0, 1.0, 5.0, 9.0]}
    )
    return stats.request_volumes(h, by="admin_level")


def _composition() -> pd.DataFrame:
    h = pd.DataFrame(
        {
            "template": ["gov2019", "gov2021"],
            "granted": [5.0, 2.0],
            "partially_granted": [1.0, 1.0],
            "withheld": [0.0, 1.0],
            "unavailable": [2.0, 0.0],
            "not_processed": [1.0, 0.0],
            "other": [0.0, 1.0],
        }
    )
    return stats.outcome_composition(h)


def test_figure_helpers_draw_with_cjk_labels():
    rates = pd.DataFrame(
        {
            "group": ["app.balance", "rl.total"],
            "pass_rate": [1.0, 0.5],
            "low": [0.8, 0.1],
            "high": [1.0, 0.9],
            "assessed": [10, 4],
        }
    )
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        figs = [
            plots.bar_request_volumes(_volumes()),
            plots.stacked_outcomes(_composition()),
            plots.pass_rates(rates),
        ]
        for fig in figs:
            fig.canvas.draw()
    assert _glyph_warnings(rec) == []
    labels = [t.get_text() for t in figs[0].axes[0].get_xticklabels()]
    assert labels == ["乡镇\n(n=2)", "县级\n(n=2)"] or labels == ["县级\n(n=2)", "乡镇\n(n=2)"]
    legend = [t.get_text() for t in figs[1].axes[0].get_legend().get_texts()]
    assert legend[0] == "予以公开 granted"


def test_helpers_reject_wrong_tables():
    with pytest.raises(GkworkError, match="request_volumes"):
        plots.bar_request_volumes(pd.DataFrame({"x": [1]}))
    with pytest.raises(GkworkError, match="stat"):
        plots.bar_request_volumes(_volumes(), stat="mode")


def test_empty_tables_draw_an_empty_plot_that_says_why():
    """A filter that leaves nothing (an empty corpus, a province without reports) gives a
    figure saying there is no data, not an error from the column check nor a warning."""
    from gkwork.model import CHECK_COLUMNS

    h = stats.harmonise(pd.DataFrame(columns=["report_id", "table", "row", "col", "value"]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. matplotlib's "No artists with labels" legend
        figs = [
            plots.bar_request_volumes(stats.request_volumes(h)),
            plots.stacked_outcomes(stats.outcome_composition(h)),
            plots.pass_rates(stats.quality_rates(pd.DataFrame(columns=CHECK_COLUMNS))),
        ]
        for fig in figs:
            fig.canvas.draw()
    for fig in figs:
        texts = [t.get_text() for t in fig.axes[0].texts]
        assert len(texts) == 1 and texts[0].startswith("无数据 no data: ")


def test_save_is_deterministic(tmp_path):
    def draw_and_save(stem: Path) -> list[bytes]:
        fig = plots.stacked_outcomes(_composition())
        paths = plots.save(fig, stem)
        plt.close(fig)
        return [p.read_bytes() for p in paths]

    a = draw_and_save(tmp_path / "a" / "fig")
    b = draw_and_save(tmp_path / "b" / "fig")
    assert (tmp_path / "a" / "fig.png").is_file() and (tmp_path / "a" / "fig.svg").is_file()
    assert a == b
    svg = a[1].decode("utf-8")
    assert "<dc:date>" not in svg
