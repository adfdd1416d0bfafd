#!/usr/bin/env bash
# Add Parley to the desktop's application menu for this user: the .desktop entry (pointing at this
# checkout's .venv/bin/parley) and the icon, under $XDG_DATA_HOME (default ~/.local/share).
# `bash packaging/desktop-entry.sh --remove` takes them away again.
set -euo pipefail
cd "$(dirname "$0")/.."

data="${XDG_DATA_HOME:-$HOME/.local/share}"
entry="$data/applications/parley.desktop"
icons="$data/icons/hicolor"
if [ "${1:-}" = "--remove" ]; then
  rm -f "$entry" "$icons/scalable/apps/parley.svg" "$icons/256x256/apps/parley.png"
  echo "Parley's menu entry is removed"
  exit 0
fi
parley="$(pwd)/.venv/bin/parley"
[ -x "$parley" ] || { echo "Parley is not installed here yet: run bash packaging/install.sh first" >&2; exit 1; }
mkdir -p "$data/applications" "$icons/scalable/apps" "$icons/256x256/apps"
install -m 644 resources/parley.svg "$icons/scalable/apps/parley.svg"
install -m 644 resources/parley-256.png "$icons/256x256/apps/parley.png"
sed -e "s|^Exec=parley gui|Exec=\"$parley\" gui %F|" -e "s|^TryExec=parley|TryExec=$parley|" resources/parley.desktop > "$entry.tmp"
mv "$entry.tmp" "$entry"
command -v update-desktop-database >/dev/null && update-desktop-database -q "$data/applications" || true
echo "Parley is in the application menu ($entry)"
