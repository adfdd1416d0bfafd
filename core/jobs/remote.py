"""RemoteConversationTranscriptionClient: fetch a conversation's async result by conversationId.

Mirrors the Speech SDK's client for asynchronous conversation transcription: an operation is
polled until the background (better) pass is ready, and its final value is a
RemoteConversationTranscriptionResult. Here "remote" is the local queue and library.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from core.errors import JobError
from core.jobs.model import CANCELED, FAILED, NOT_STARTED, RUNNING, SUCCEEDED, Job
from core.jobs.queue import TranscriptionQueue
from core.results import Conversation
from core.store import Library
from core.views.azure_remote import remote_conversation_transcription_result

# the wire's processingStatus for each job state
PROCESSING_STATUS = {NOT_STARTED: "Processing", RUNNING: "Processing", SUCCEEDED: "Completed", FAILED: "Failed", CANCELED: "Failed"}


@dataclass(frozen=True)
class RemoteConversationTranscriptionResult:
    """The final value of an operation: the conversation's id and its async transcript."""

    id: str
    conversation: Conversation

    @property
    def conversation_transcription_results(self) -> list[dict]:
        """Return the ConversationTranscriptionResult dicts, in time order."""
        return self.to_dict()["ConversationTranscriptionResults"]

    def to_dict(self) -> dict:
        """Return the result in the SDK's JSON shape (Id, ConversationTranscriptionResults)."""
        return remote_conversation_transcription_result(self.conversation)


class RemoteConversationTranscriptionOperation:
    """A poller for one conversation's background transcription."""

    def __init__(self, client: "RemoteConversationTranscriptionClient", conversation_id: str, polling_interval: float):
        self.client = client
        self.conversation_id = conversation_id
        self.polling_interval = polling_interval
        self.job: Job | None = None
        self.update_status()

    def update_status(self) -> str:
        """Return the processing status after reading the latest job state from the library."""
        self.job = self.client.latest_job(self.conversation_id)
        return self.status

    @property
    def status(self) -> str:
        """Return Processing, Completed, Failed or Deleted (no async job exists)."""
        return PROCESSING_STATUS[self.job.state] if self.job else "Deleted"

    @property
    def has_completed(self) -> bool:
        return self.status in ("Completed", "Failed", "Deleted")

    @property
    def progress(self) -> int:
        return self.job.progress if self.job else 0

    def result(self) -> RemoteConversationTranscriptionResult:
        """Return the final value; raise JobError unless the operation completed successfully."""
        if self.status != "Completed":
            error = self.job.error if self.job else "there is no background transcription"
            raise JobError(f"The transcription of {self.conversation_id} is {self.status}: {error or 'not finished yet'}.")
        return RemoteConversationTranscriptionResult(self.conversation_id, self.client.conversation(self.conversation_id))

    def wait_for_completion(self, timeout: float | None = None) -> RemoteConversationTranscriptionResult:
        """Return the final value once the job has ended, polling every polling_interval seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.update_status() or not self.has_completed:
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"The transcription of {self.conversation_id} did not finish within {timeout} s.")
            time.sleep(self.polling_interval)
        return self.result()


class RemoteConversationTranscriptionClient:
    """Reaches the background transcriptions of the library by conversationId."""

    def __init__(self, library: Library):
        self.library = library
        self.queue = TranscriptionQueue(library)

    def latest_job(self, conversation_id: str) -> Job | None:
        """Return the newest job of the conversation, or None (raise NotFoundError for an unknown id)."""
        self.library.passes(conversation_id)  # raises NotFoundError for an unknown id
        jobs = self.queue.jobs(conversation_id=conversation_id, limit=1)
        return jobs[0] if jobs else None

    def conversation(self, conversation_id: str) -> Conversation:
        """Return the conversation with its newest async pass (the current pass when there is none)."""
        async_passes = [p for p in self.library.passes(conversation_id) if p.kind == "async" and p.status == "succeeded"]
        pass_id = async_passes[-1].pass_id if async_passes else None
        return self.library.get_conversation(conversation_id, pass_id)

    def get_transcription_operation(self, conversation_id: str, polling_interval: float = 1.0) -> RemoteConversationTranscriptionOperation:
        """Return an operation that polls the conversation's background transcription."""
        return RemoteConversationTranscriptionOperation(self, conversation_id, polling_interval)

    def delete_remote_transcription(self, conversation_id: str) -> None:
        """Return None after deleting the conversation's async passes and finished jobs (audio and live pass stay)."""
        job = self.latest_job(conversation_id)
        if job is not None and job.is_pending:
            raise JobError(f"The transcription of {conversation_id} is still {job.state}.", "Cancel it first.")
        self.library.delete_passes(conversation_id, kind="async")
        with self.library.transaction() as db:
            db.execute("DELETE FROM jobs WHERE conversation_id = ?", [conversation_id])

