"""What a running speech service needs to know: where it listens, which models, which limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from core import paths
from core.asr.models import cpu_threads

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
MiB = 1024 * 1024


@dataclass(frozen=True)
class ServerConfig:
    """Settings of one `parley serve`: the library, models, limits and whether a worker runs inside."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    library_path: Path | None = None  # default: core.paths.library_path()
    english_model: str = "tiny.en"  # short audio, sync recognition and batch jobs in English
    multilingual_model: str = "base"  # every other language
    batch_model: str | None = None  # None: english_model for English locales, multilingual_model otherwise
    run_worker: bool = True  # run queued jobs in this process (else rely on `parley worker`)
    recognitions_at_once: int = field(default_factory=lambda: max(1, cpu_threads() // 2))
    max_json_bytes: int = 1 * MiB
    max_short_audio_bytes: int = 4 * MiB
    max_short_audio_ms: int = 60_000
    max_ssml_bytes: int = 256 * 1024
    max_upload_bytes: int = 512 * MiB
    max_sources: int = 20
    maintenance_interval_s: float = 2.0

    def library(self) -> Path:
        """Return the path of the library file the service uses."""
        return Path(self.library_path) if self.library_path else paths.library_path()
