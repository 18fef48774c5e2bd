"""Every path of the project, derived in one place from the project root.

``data/raw`` is immutable input; ``data/processed`` and ``build/`` are outputs (git-ignored),
rebuilt from code plus raw data.
"""

from __future__ import annotations

from pathlib import Path

#: The repository root (the folder holding pyproject.toml) when gkwork runs from a checkout.
PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = PROJECT_ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
SEEDS_DIR = RAW_DIR / "seeds"
SYNTH_DIR = RAW_DIR / "synthetic"
PROCESSED_DIR = DATA_DIR / "processed"
BUILD_DIR = PROJECT_ROOT / "build"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
#: ../shared beside the repository: real reports with truth (absent in most clones).
SHARED_DIR = PROJECT_ROOT.parent / "shared"
REAL_DIR = SHARED_DIR / "real"
