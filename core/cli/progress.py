"""A terminal progress bar fed by core's `hook(step, completed=, total=)`; silent when piped."""

from __future__ import annotations

import sys

from tqdm import tqdm


class ProgressBar:
    """A hook that draws one tqdm bar per step on stderr when stderr is a terminal."""

    def __init__(self, label: str, enabled: bool | None = None):
        self.label = label
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._bar: tqdm | None = None
        self._step: str | None = None

    def __call__(self, step: str, completed: float | None = None, total: float | None = None, **_: object) -> None:
        if not self.enabled:
            return
        if step != self._step:
            self.close()
            self._step = step
            self._bar = tqdm(total=100, desc=f"{self.label}: {step}", unit="%", leave=False, file=sys.stderr)
        if self._bar is not None and completed is not None and total:
            self._bar.n = min(100, int(100 * completed / total))
            self._bar.refresh()

    def close(self) -> None:
        """Remove the bar from the terminal; returns nothing."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
