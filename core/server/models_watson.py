"""Response models of IBM Watson Speech to Text (SpeechRecognitionResults, recognition jobs)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

JobStatus = Literal["waiting", "processing", "completed", "failed"]


class SpeechRecognitionAlternative(BaseModel):
    model_config = ConfigDict(extra="allow")

    transcript: str
    confidence: float | None = None
    timestamps: list[list[Any]] | None = None
    word_confidence: list[list[Any]] | None = None


class SpeechRecognitionResult(BaseModel):
    model_config = ConfigDict(extra="allow")

    final: bool
    alternatives: list[SpeechRecognitionAlternative]
    keywords_result: dict[str, list[dict[str, Any]]] | None = None
    word_alternatives: list[dict[str, Any]] | None = None
    end_of_utterance: str | None = None


class SpeakerLabelsResult(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    from_: float = Field(alias="from")
    to: float
    speaker: int
    confidence: float | None = None
    final: bool


class SpeechRecognitionResults(BaseModel):
    """The top-level answer of a recognition."""

    model_config = ConfigDict(extra="allow")

    results: list[SpeechRecognitionResult] = Field(default_factory=list)
    result_index: int = 0
    speaker_labels: list[SpeakerLabelsResult] | None = None
    warnings: list[str] | None = None


class RecognitionJob(BaseModel):
    """An asynchronous recognition job."""

    id: str
    status: JobStatus
    created: str
    updated: str | None = None
    url: str | None = None
    user_token: str | None = None
    results: list[SpeechRecognitionResults] | None = None
    warnings: list[str] | None = None


class RegisterStatus(BaseModel):
    """The answer to registering a callback URL."""

    status: Literal["created", "already created"]
    url: str


class RecognitionJobs(BaseModel):
    recognitions: list[RecognitionJob]
