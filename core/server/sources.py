"""Where recordings may come from: files inside the directories the user allowed, loopback URLs, or the request body.

A file:// URL or a plain absolute path must lie inside one of `api_allowed_dirs` (from the
settings) both as written and once symlinks are resolved; `..` segments are refused outright.
http(s):// URLs are fetched only from loopback addresses, without following redirects.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

from core import paths
from core.server.errors import ApiError
from core.settings import load_settings

log = logging.getLogger(__name__)

FETCH_TIMEOUT_S = 30.0
_SUFFIXES = {
    "audio/wav": ".wav", "audio/x-wav": ".wav", "audio/wave": ".wav", "audio/vnd.wave": ".wav", "audio/ogg": ".ogg",
    "audio/opus": ".opus", "audio/mpeg": ".mp3", "audio/mp3": ".mp3", "audio/flac": ".flac", "audio/x-flac": ".flac",
    "audio/webm": ".webm", "audio/mp4": ".m4a", "audio/m4a": ".m4a", "audio/basic": ".au",
}


def allowed_dirs(*, resolved: bool = True) -> list[Path]:
    """Return the directories API callers may read recordings from (the settings' api_allowed_dirs), resolved or as written."""
    found = []
    for entry in load_settings().api_allowed_dirs:
        path = Path(entry).expanduser()
        if path.is_absolute() and path.is_dir():
            found.append(path.resolve() if resolved else Path(os.path.normpath(path)))
    return found


def _inside(path: Path, roots: list[Path]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


def local_recording(raw: str) -> Path:
    """Return the file a file:// URL or absolute path names, once checked to lie inside an allowed directory."""
    if raw.lower().startswith("file:"):
        parsed = urlparse(raw)
        if parsed.netloc not in ("", "localhost"):
            raise ApiError(403, f"file:// URLs must name this machine, not '{parsed.netloc}'.")
        text = unquote(parsed.path)
    else:
        text = raw
    if "\x00" in text:
        raise ApiError(400, "The recording path holds a NUL character.")
    path = Path(text)
    if not path.is_absolute():
        raise ApiError(400, f"The recording path '{text}' is not absolute.")
    if ".." in path.parts:
        raise ApiError(400, "The recording path must not contain '..' segments.")
    roots = allowed_dirs()
    if not roots:
        raise ApiError(403, "No directory is allowed for recordings: add one to api_allowed_dirs in the settings.")
    if not _inside(Path(os.path.normpath(path)), allowed_dirs(resolved=False) + roots):
        raise ApiError(403, f"'{text}' is not inside a directory allowed in the settings (api_allowed_dirs).")
    try:
        resolved = path.resolve(strict=True)
    except (FileNotFoundError, NotADirectoryError):
        raise ApiError(400, f"The recording '{text}' does not exist.") from None
    except (OSError, RuntimeError) as exc:
        raise ApiError(400, f"The recording '{text}' cannot be read: {exc}.") from None
    if not _inside(resolved, roots):
        raise ApiError(403, f"'{text}' leads outside the allowed directories (a symbolic link).")
    if not resolved.is_file():
        raise ApiError(400, f"'{text}' is not a file.")
    return resolved


def is_loopback(host: str | None) -> bool:
    """Return whether a URL host is this machine's loopback (localhost, 127.0.0.0/8, ::1)."""
    if not host:
        return False
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def incoming_dir() -> Path:
    """Return a new private folder for a downloaded or uploaded recording (the caller removes it)."""
    base = paths.parley_home() / "incoming"
    base.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=base))


def suffix_for(content_type: str | None, fallback: str = ".audio") -> str:
    """Return a file suffix for an audio media type (so FFmpeg and the library see a sensible name)."""
    media = (content_type or "").split(";")[0].strip().lower()
    return _SUFFIXES.get(media, fallback)


def fetch_loopback(url: str, limit: int) -> Path:
    """Return a downloaded copy of a recording served on a loopback address (caller removes its folder)."""
    import httpx

    parsed = urlparse(url)
    if not is_loopback(parsed.hostname):
        raise ApiError(403, f"Recordings are fetched only from this machine (loopback), not from '{parsed.hostname}'.")
    folder = incoming_dir()
    name = Path(unquote(parsed.path)).name or "recording"
    target = folder / (Path(name).stem[:80] + (Path(name).suffix[:8] or ".audio"))
    try:
        with httpx.stream("GET", url, timeout=FETCH_TIMEOUT_S, follow_redirects=False, trust_env=False) as response:
            if response.status_code != 200:
                raise ApiError(400, f"Fetching {url} answered HTTP {response.status_code}.")
            size = 0
            with open(target, "wb") as out:
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise ApiError(413, f"The recording at {url} is larger than {limit} bytes.")
                    out.write(chunk)
    except httpx.HTTPError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise ApiError(400, f"Cannot fetch {url}: {exc}.") from None
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return target


def recording_from_url(url: str, limit: int) -> tuple[Path, Path | None]:
    """Return (file to read, temporary folder to remove afterwards or None) for a recordings URL or path."""
    url = (url or "").strip()
    if not url:
        raise ApiError(400, "No recording URL was given.")
    scheme = urlparse(url).scheme.lower()
    if scheme in ("http", "https"):
        path = fetch_loopback(url, limit)
        return path, path.parent
    if scheme in ("", "file") or (len(scheme) == 1 and os.name == "nt"):
        return local_recording(url), None
    raise ApiError(400, f"Recordings are read from file:// URLs, paths or loopback http(s):// URLs, not '{scheme}:'.")


def check_audio_type(content_type: str | None) -> None:
    """Raise ApiError (415) when a request's declared type is not one of audio: a JSON or form body, text, an image.

    Audio and video types and application/octet-stream pass (FFmpeg then says whether it can read them); raw
    samples must say their rate (core.server.raw_audio: a 400 otherwise), checked before the body is read.
    """
    from core.server.raw_audio import raw_format

    media = (content_type or "").split(";")[0].strip().lower()
    if media.startswith(("audio/", "video/")) or media in ("", "application/octet-stream", "application/ogg"):
        raw_format(content_type)
        return
    raise ApiError(415, f"{media} is not a type of audio. Send the recording itself as audio/wav, audio/flac, audio/mp3, "
                        "audio/ogg, audio/webm, audio/l16;rate=16000 or application/octet-stream.")


def write_audio(data: bytes, content_type: str | None, folder: Path, name: str) -> Path:
    """Return the file the audio bytes of a request were written to in `folder`: raw samples (core.server.raw_audio)
    as a 16-bit WAV, anything else as sent."""
    import wave

    import numpy as np

    from core.server.raw_audio import raw_format

    raw = raw_format(content_type)
    if raw is None:
        path = folder / f"{name}{suffix_for(content_type)}"
        path.write_bytes(data)
        return path
    samples = raw.settled(data).samples(data)
    path = folder / f"{name}.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(raw.channels)
        out.setsampwidth(2)
        out.setframerate(raw.rate)
        out.writeframes((np.clip(samples, -1.0, 32767 / 32768) * 32768).astype("<i2").tobytes())
    return path


def save_upload(data: bytes, content_type: str | None, name: str = "upload") -> Path:
    """Return the path of uploaded audio bytes written to a private folder (the caller removes the folder; a failure
    removes it here)."""
    folder = incoming_dir()
    try:
        return write_audio(data, content_type, folder, name)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
