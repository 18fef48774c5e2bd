"""Shared fixtures: seed paths, truth loader, hypothesis profile, ../shared location."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
SEEDS_DIR = ROOT / "data" / "raw" / "seeds"
GOLDEN_DIR = ROOT / "tests" / "golden"
#: ../shared next to the repository (real reports with truth); absent in a clone elsewhere.
SHARED_DIR = ROOT.parent / "shared"
REAL_DIR = SHARED_DIR / "real"

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("dev", deadline=None, max_examples=40)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

SEED_IDS = ["000", "001", "002", "003", "004"]


def seed_path(seed: str) -> Path:
    """Path of seed ``seed`` (e.g. '002') in data/raw/seeds."""
    (path,) = SEEDS_DIR.glob(f"{seed}_*.txt")
    return path


def load_truth(seed: str) -> dict:
    """The hand-read truth of a seed (tests/golden/NNN_truth.json)."""
    return json.loads((GOLDEN_DIR / f"{seed}_truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def seed_reports():
    """All five seeds parsed once per session: {seed id: Report}."""
    import gkwork

    return {s: gkwork.read_report(seed_path(s)) for s in SEED_IDS}


def require_real() -> Path:
    """The ../shared/real folder, or skip the test with a clear message."""
    if not REAL_DIR.is_dir():
        pytest.skip(
            f"../shared/real not found at {REAL_DIR}: real-report tests need the shared folder"
        )
    return REAL_DIR
