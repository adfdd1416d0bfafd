"""Importing a recording: store it as a conversation without transcript and queue its transcription.

The CLI (`parley transcribe --mode async`) and the desktop app (File ▸ Import, drag and drop)
both call `import_recording`, so an imported file is handled the same way everywhere.
"""

from __future__ import annotations

import logging
from pathlib import Path

from core.audio.decode import probe
from core.jobs.model import ASYNC, Job, JobOptions
from core.jobs.queue import TranscriptionQueue
from core.results import Conversation, new_conversation_id, utc_now
from core.store import Library
from core.text.language import locale_for

log = logging.getLogger(__name__)


def import_recording(
    library: Library,
    path: str | Path,
    options: JobOptions | None = None,
    *,
    copy: bool = True,
    mono: bool = False,
    title: str | None = None,
) -> tuple[str, Job]:
    """Return (conversationId, queued job) for a recording stored in the library and queued as an Async job.

    The file is checked first (a missing, empty or damaged file raises an AudioError and
    nothing is stored). The conversation, its recording and its job are then stored in one
    transaction: a reader never sees the conversation without its job, and a failure or a
    killed process leaves nothing behind but, at worst, an unreferenced copy of the file.
    """
    path = Path(path)
    options = options or JobOptions()
    info = probe(path)
    conversation = Conversation(
        conversation_id=new_conversation_id(),
        title=title or path.stem,
        created=utc_now(),
        duration_ms=info.duration_ms,
        source=str(path.resolve()),
        locale=locale_for(None, options.language),
        model=options.model,
        channels=1 if mono else info.channels,
    )
    with library.adding_conversation(
        conversation, path, copy=copy, channels=info.channels, duration_ms=info.duration_ms
    ):
        job = TranscriptionQueue(library).enqueue(conversation.conversation_id, options, mode=ASYNC)
    log.info("imported %s as %s (job %s)", path, conversation.conversation_id, job.job_id)
    return conversation.conversation_id, job
