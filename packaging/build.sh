#!/usr/bin/env bash
# Build the one-folder app (packaging/parley.spec) into dist/parley, then check that it works on its
# own (packaging/check_build.py). Run after packaging/install.sh, on the platform to build for.
# On Linux: about 5 minutes on 2 cores, and 7.6 GB (torch and its CUDA libraries).
set -euo pipefail
cd "$(dirname "$0")/.."

.venv/bin/python -m pip install -q "pyinstaller>=6"
# resemblyzer asks for `typing`, a Python 2 backport that Python 3 never imports (the standard
# library's comes first) and that PyInstaller refuses to build with
.venv/bin/python -m pip uninstall -q -y typing 2>/dev/null || true
.venv/bin/python -m PyInstaller --noconfirm --distpath dist --workpath build/pyinstaller packaging/parley.spec
.venv/bin/python packaging/check_build.py dist/parley/parley
