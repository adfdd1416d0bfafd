"""What the composition root hands to every view: the operation runner, settings and the worker."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.settings import Settings
from desktop.ops import Changes, Ops
from desktop.worker_process import WorkerProcess


@dataclass
class Services:
    """The app's services, built once by desktop.app and passed down (no globals)."""

    ops: Ops
    settings: Settings
    library_path: Path
    worker: WorkerProcess | None = None
    # builds the live speaker tracker of each recording; None: core's default for the diarize setting
    live_speaker_tracker: Callable[[], Any] | None = None

    @property
    def changes(self) -> Changes:
        """Return the change signals (library_changed, settings_changed)."""
        return self.ops.changes

    def use_settings(self, settings: Settings) -> None:
        """Make saved settings the ones every view uses from now on; returns nothing."""
        self.settings = settings
        self.changes.settings_changed.emit(settings)

    def change_settings(self, **changes) -> None:
        """Use changed settings in every view at once, and save them off the GUI thread after any earlier save.

        The change applies to the settings in use now, so a second change asked before the first
        is on disk keeps the first (choosing a mode, then pressing Record, saved the microphone
        over the mode when both were read from the settings as saved).
        """
        from dataclasses import replace

        settings = replace(self.settings, **changes)
        if settings == self.settings:
            return
        self.use_settings(settings)

        def save():
            from core.settings import save_settings

            save_settings(settings)

        self.ops.in_order(save).run()

    def job_options(self):
        """Return the options of a background (better) transcription, from the settings."""
        from core.jobs.model import JobOptions

        s = self.settings
        return JobOptions(
            model=s.retranscribe_model, language=s.language, diarize=s.diarize, num_speakers=s.num_speakers,
            min_speakers=s.min_speakers, max_speakers=s.max_speakers, profanity=s.profanity, punctuation=s.punctuation,
        )
