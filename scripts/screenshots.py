"""Take the README's screenshots from a real Parley window: the Record view during a live session
and the Conversation view. Run it under a display, e.g.

    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python scripts/screenshots.py

It works in a throw-away data folder: the bundled two-speaker sample is transcribed with
speakers (the better pass) into a fresh library, then played as the live input at real speed.
The live captions' speaker labels come from the app's own live speaker tracker (the diarize
setting, on by default). PNGs go to docs/ (or --out).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
log = logging.getLogger("screenshots")


def sample_path() -> Path:
    import pyannote.audio

    return Path(pyannote.audio.__file__).parent / "sample" / "sample.wav"


def transcribe_sample(sample: Path):
    """Return the sample transcribed with word timings and two speakers (the better pass)."""
    from core.asr.transcriber import TranscriptionOptions
    from core.transcription import SpeakerOptions, transcribe_file

    return transcribe_file(sample, TranscriptionOptions(model="tiny.en"), SpeakerOptions(diarize=True, num_speakers=2))


def grab(window, path: Path) -> None:
    """Save what the X server shows of the window (a real window grab, not a widget render)."""
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()
    pixmap = window.screen().grabWindow(window.winId())
    if not pixmap.save(str(path)):
        raise RuntimeError(f"could not write {path}")
    log.info("saved %s (%dx%d)", path, pixmap.width(), pixmap.height())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument("--all", action="store_true", help="also the Jobs view and the Settings and Export dialogs")
    parser.add_argument("--live-seconds", type=float, default=21.0, help="how far into the live session to take the shot")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    os.environ["PARLEY_HOME"] = tempfile.mkdtemp(prefix="parley-screenshots-")
    args.out.mkdir(parents=True, exist_ok=True)

    from dataclasses import replace

    from PySide6.QtCore import QEventLoop, QTimer

    from desktop.app import application, build_window, create_services, shutdown

    app = application([sys.argv[0]])
    sample = sample_path()
    conversation = replace(transcribe_sample(sample), title="Catching up: Diane and Sheila")
    services = create_services(start_worker=False)

    def store(lib):
        lib.save_conversation(conversation, kind="async", options={"model": conversation.model})
        lib.add_audio(conversation.conversation_id, sample)
        lib.rename_speaker(conversation.conversation_id, 1, "Diane")
        lib.rename_speaker(conversation.conversation_id, 2, "Sheila")

    services.ops.call_library(store)
    window = build_window(services)
    window.resize(1200, 760)
    window.show()

    def wait(seconds: float) -> None:
        loop = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        loop.exec()

    # the Record view, a live session on the sample at real speed
    window.show_page("Record")
    record = window.record_view
    record.set_file_input(sample, speed=1.0)
    waited = 0.0
    while not record.engine_ready:  # the speech and speaker models load as the view shows
        wait(0.2)
        waited += 0.2
        if waited > 120:
            raise RuntimeError("the live models did not load")
    record.start_recording()
    waited = 0.0
    while record.session is None or record.session.recorded_ms < args.live_seconds * 1000:
        wait(0.2)
        waited += 0.2
        if waited > 120:
            raise RuntimeError("the live session did not get going")
    grab(window, args.out / "record-view.png")
    record.stop_recording()
    while record.recording:
        wait(0.2)

    # the Conversation view, playing, with the spoken word lit up
    window.open_conversation(conversation.conversation_id, 13_500)
    view = window.conversation_view
    while view.data is None or view.conversation_id != conversation.conversation_id:
        wait(0.1)
    wait(1.0)
    view.seek(13_500)
    view.transcript.highlight_time(13_800)
    wait(0.5)
    grab(window, args.out / "conversation-view.png")

    # the Library, searching every transcript
    window.show_page("Library")
    window.library_view.search_box.setText("New Jersey")
    window.library_view.search_now()
    while window.library_view.stack.currentWidget() is not window.library_view.hits:
        wait(0.1)
    wait(0.3)
    grab(window, args.out / "library-search.png")
    if args.all:
        window.show_page("Jobs")
        wait(1.5)
        grab(window, args.out / "jobs.png")
        dialog = window.open_settings()
        wait(0.5)
        grab(dialog, args.out / "settings.png")
        dialog.reject()
        dialog = window.export([conversation.conversation_id])
        wait(0.5)
        grab(dialog, args.out / "export.png")
        dialog.reject()

    window.close()
    shutdown(services)
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
