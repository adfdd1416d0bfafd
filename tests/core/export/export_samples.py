"""The hand-made conversations of tests/core/views/views_samples.py, loaded by path (tests/ is not a package)."""

import importlib.util
from pathlib import Path

_PATH = Path(__file__).resolve().parents[1] / "views" / "views_samples.py"
_spec = importlib.util.spec_from_file_location("parley_views_samples", _PATH)
samples = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(samples)
