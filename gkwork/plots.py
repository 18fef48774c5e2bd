"""Figures with Chinese and English labels, and deterministic PNG/SVG output.

Call :func:`setup_cjk_font` once (the figure helpers do it for you): it registers the Noto Sans
CJK SC font shipped in the ``mplfonts`` package with matplotlib, so that labels such as
依申请公开 render without "Glyph missing" warnings and without a system font.

:func:`save` writes a figure as PNG and SVG with fixed metadata (no creation date, a fixed SVG
hash salt), so that the same data give byte-identical files.

Examples
--------
>>> family = setup_cjk_font()
>>> family
'Noto Sans CJK SC'
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.figure import Figure

from gkwork.errors import GkworkError

logger = logging.getLogger("gkwork")

__all__ = [
    "CJK_FONT_FILE",
    "OUTCOME_LABELS",
    "bar_request_volumes",
    "cjk_font_path",
    "pass_rates",
    "save",
    "setup_cjk_font",
    "stacked_outcomes",
]

#: File name of the font inside ``mplfonts/fonts``.
CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"
#: Salt of SVG element ids (matplotlib otherwise draws a random one per run).
SVG_HASHSALT = "gkwork"
#: Resolution of PNG output.
DPI = 150

#: Outcome categories (stats.OUTCOMES) with bilingual labels.
OUTCOME_LABELS: dict[str, str] = {
    "granted": "予以公开 granted",
    "partially_granted": "部分公开 partially granted",
    "withheld": "不予公开 withheld",
    "unavailable": "无法提供 unavailable",
    "not_processed": "不予处理 not processed",
    "other": "其他处理 other",
}
_COLORS = ["#1b9e77", "#66a61e", "#d95f02", "#7570b3", "#e7298a", "#a6761d"]


def cjk_font_path() -> Path:
    """Path of the Noto Sans CJK SC font file shipped with ``mplfonts``.

    Raises
    ------
    GkworkError
        When mplfonts or its font file is missing (``pip install mplfonts``).
    """
    try:
        import mplfonts
    except ImportError as exc:  # pragma: no cover - dependency declared in pyproject
        raise GkworkError(
            "the mplfonts package is not installed; expected it to provide the CJK font; "
            "run: pip install mplfonts"
        ) from exc
    path = Path(mplfonts.__file__).resolve().parent / "fonts" / CJK_FONT_FILE
    if not path.is_file():
        raise GkworkError(f"CJK font not found at {path}; reinstall mplfonts")
    return path


def setup_cjk_font() -> str:
    """Register the CJK font with matplotlib and make it the default sans-serif font.

    Sets ``font.sans-serif`` (CJK font first), ``font.family`` = sans-serif,
    ``axes.unicode_minus`` = False (the CJK font lacks U+2212) and ``svg.hashsalt``.
    Safe to call repeatedly.

    Returns
    -------
    str
        The font family name (``'Noto Sans CJK SC'``).
    """
    path = cjk_font_path()
    if str(path) not in {f.fname for f in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(str(path))
    family = font_manager.FontProperties(fname=str(path)).get_name()
    sans = [family, *[f for f in plt.rcParams["font.sans-serif"] if f != family]]
    plt.rcParams["font.sans-serif"] = sans
    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["axes.unicode_minus"] = False
    plt.rcParams["svg.hashsalt"] = SVG_HASHSALT
    return family


def save(fig: Figure, path_stem: str | os.PathLike) -> list[Path]:
    """Write ``fig`` as ``<stem>.png`` and ``<stem>.svg`` with fixed metadata.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path_stem : path
        File path without suffix; parent folders are created.

    Returns
    -------
    list of Path
        The PNG and SVG paths.
    """
    stem = Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    png, svg = stem.with_suffix(".png"), stem.with_suffix(".svg")
    with plt.rc_context({"svg.hashsalt": SVG_HASHSALT}):
        fig.savefig(png, dpi=DPI, metadata={"Software": None}, bbox_inches="tight")
        fig.savefig(svg, metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    return [png, svg]


def _check_columns(df: pd.DataFrame, cols: Sequence[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise GkworkError(
            f"{what} needs columns {', '.join(cols)}; missing {', '.join(missing)}; "
            f"pass the output of gkwork.stats.{what}"
        )


def _say_no_data(ax: Any, what: str) -> None:
    """Write in an empty plot why it is empty (a filter that left nothing is not an error)."""
    ax.text(0.5, 0.5, f"无数据 no data: {what}", ha="center", va="center",
            transform=ax.transAxes, color="0.4")  # fmt: skip


def bar_request_volumes(
    volumes: pd.DataFrame,
    *,
    stat: str = "median",
    title: str = "本年新收申请数量 New requests received per report",
    xlabel: str = "",
    log: bool = True,
) -> Figure:
    """Bar chart of the median (or mean) requests received per report by group, with CIs.

    Parameters
    ----------
    volumes : pandas.DataFrame
        Output of :func:`gkwork.stats.request_volumes`.
    stat : {'median', 'mean'}
    title, xlabel : str
    log : bool
        Symmetric-log y axis (linear below 1), so that groups of very different size stay
        readable; request counts are heavily skewed.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if stat not in ("median", "mean"):
        raise GkworkError(f"stat must be one of median, mean; got {stat!r}")
    _check_columns(volumes, ["group", stat, f"{stat}_low", f"{stat}_high", "n"], "request_volumes")
    setup_cjk_font()
    v = volumes[volumes["n"] > 0].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    x = np.arange(len(v))
    est = v[stat].to_numpy(dtype=float)
    err = np.vstack([est - v[f"{stat}_low"], v[f"{stat}_high"] - est]).clip(min=0)
    ax.bar(x, est, color=_COLORS[0], yerr=err, capsize=3)
    ax.set_xticks(x, [f"{g}\n(n={n})" for g, n in zip(v["group"], v["n"], strict=True)])
    ax.set_ylabel(f"{'中位数 median' if stat == 'median' else '均值 mean'} (件 requests)")
    if log:
        ax.set_yscale("symlog", linthresh=1.0)
        ax.set_ylim(bottom=0)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    if v.empty:
        _say_no_data(ax, "no group has a report with a known number of requests")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def stacked_outcomes(
    composition: pd.DataFrame,
    *,
    title: str = "办理结果构成 Outcomes of decided requests",
) -> Figure:
    """Horizontal stacked bars: the share of each outcome category per group.

    Parameters
    ----------
    composition : pandas.DataFrame
        Output of :func:`gkwork.stats.outcome_composition`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    _check_columns(composition, ["group", "outcome", "share", "total"], "outcome_composition")
    setup_cjk_font()
    comp = composition[composition["total"] > 0]
    wide = comp.pivot(index="group", columns="outcome", values="share")
    order = [o for o in OUTCOME_LABELS if o in wide.columns]
    wide = wide.reindex(columns=order).fillna(0.0).sort_index()
    totals = comp.groupby("group")["total"].first().reindex(wide.index)
    fig, ax = plt.subplots(figsize=(7.2, 0.6 * len(wide) + 1.8))
    left = np.zeros(len(wide))
    y = np.arange(len(wide))
    for i, o in enumerate(order):
        vals = wide[o].to_numpy()
        ax.barh(y, vals, left=left, color=_COLORS[i % len(_COLORS)], label=OUTCOME_LABELS[o])
        left += vals
    ax.set_yticks(y, [f"{g} (N={int(t)})" for g, t in zip(wide.index, totals, strict=True)])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("占已办结申请比例 share of decided requests")
    ax.set_title(title)
    if wide.empty:
        _say_no_data(ax, "no group has a decided request with every outcome known")
    else:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.32), ncol=3, fontsize=8,
                  frameon=False)  # fmt: skip
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def pass_rates(
    rates: pd.DataFrame,
    *,
    title: str = "检查通过率 Pass rate by rule",
    max_groups: int = 30,
) -> Figure:
    """Dot plot of pass rates with exact 95 % intervals, one line per group (e.g. rule).

    Parameters
    ----------
    rates : pandas.DataFrame
        Output of :func:`gkwork.stats.quality_rates`.
    max_groups : int
        Show at most this many groups (those with most assessed checks).

    Returns
    -------
    matplotlib.figure.Figure
    """
    _check_columns(rates, ["group", "pass_rate", "low", "high", "assessed"], "quality_rates")
    setup_cjk_font()
    r = rates[rates["assessed"] > 0]
    r = r.sort_values(["assessed", "group"], ascending=[False, True]).head(max_groups)
    r = r.sort_values(["pass_rate", "group"], ascending=[False, True]).reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(6.4, 0.28 * len(r) + 1.4))
    y = np.arange(len(r))[::-1]
    est = r["pass_rate"].to_numpy(dtype=float)
    err = np.vstack([est - r["low"], r["high"] - est]).clip(min=0)
    ax.errorbar(est, y, xerr=err, fmt="o", color=_COLORS[2], ms=4, capsize=2)
    ax.set_yticks(y, [f"{g} (n={n})" for g, n in zip(r["group"], r["assessed"], strict=True)])
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel("通过率 pass rate (95% Clopper-Pearson)")
    ax.set_title(title)
    if r.empty:
        _say_no_data(ax, "no check was assessed")
    ax.tick_params(axis="y", labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig
