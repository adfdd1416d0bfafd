"""Request and response models of Azure batch transcription v2.0 and v3.1 (field names as on the wire)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Status = Literal["NotStarted", "Running", "Succeeded", "Failed"]
ProfanityMode = Literal["None", "Removed", "Tags", "Masked"]
PunctuationMode = Literal["None", "Dictated", "Automatic", "DictatedAndAutomatic"]
Locale = Field(min_length=2, max_length=35, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


class ModelIdentity(BaseModel):
    Id: str = Field(max_length=200)


class TranscriptionDefinitionV2(BaseModel):
    """POST /api/speechtotext/v2.0/transcriptions."""

    model_config = ConfigDict(extra="ignore")

    recordingsUrl: str = Field(min_length=1, max_length=4096)
    locale: str = Locale
    name: str = Field(min_length=1, max_length=500)
    description: str | None = Field(default=None, max_length=5000)
    models: list[ModelIdentity] = Field(default_factory=list, max_length=4)
    properties: dict[str, str | bool] = Field(default_factory=dict, max_length=32)

    @field_validator("properties")
    @classmethod
    def _known_values(cls, value: dict) -> dict:
        allowed = {
            "ProfanityFilterMode": ("None", "Removed", "Tags", "Masked"),
            "PunctuationMode": ("None", "Dictated", "Automatic", "DictatedAndAutomatic"),
        }
        for key, choices in allowed.items():
            if key in value and str(value[key]) not in choices:
                raise ValueError(f"{key} must be one of {', '.join(choices)}")
        for key in ("AddWordLevelTimestamps", "AddSentiment", "AddDiarization"):
            if key in value and str(value[key]).lower() not in ("true", "false"):
                raise ValueError(f"{key} must be True or False")
        return value


class TranscriptionUpdateV2(BaseModel):
    """PATCH /api/speechtotext/v2.0/transcriptions/{id}."""

    name: str | None = Field(default=None, min_length=1, max_length=500)
    description: str | None = Field(default=None, max_length=5000)


class TranscriptionV2(BaseModel):
    """A v2.0 transcription as the service returns it."""

    id: str
    recordingsUrl: str
    resultsUrls: dict[str, str]
    models: list[ModelIdentity]
    locale: str
    name: str
    description: str
    properties: dict[str, str]
    createdDateTime: str
    lastActionDateTime: str
    status: Status
    statusMessage: str


class SpeakerCount(BaseModel):
    minCount: int | None = Field(default=None, ge=1, le=36)
    maxCount: int | None = Field(default=None, ge=1, le=36)


class DiarizationProperties(BaseModel):
    speakers: SpeakerCount = Field(default_factory=SpeakerCount)


class EntityReference(BaseModel):
    self: str = Field(max_length=4096)


class TranscriptionPropertiesV3(BaseModel):
    model_config = ConfigDict(extra="ignore")

    wordLevelTimestampsEnabled: bool = False
    displayFormWordLevelTimestampsEnabled: bool = False
    diarizationEnabled: bool = False
    diarization: DiarizationProperties | None = None
    channels: list[int] | None = Field(default=None, min_length=1, max_length=2)
    punctuationMode: PunctuationMode = "DictatedAndAutomatic"
    profanityFilterMode: ProfanityMode = "Masked"
    timeToLive: str | None = Field(default=None, max_length=40)

    @field_validator("channels")
    @classmethod
    def _channels(cls, value: list[int] | None) -> list[int] | None:
        if value is not None and any(c not in (0, 1) for c in value):
            raise ValueError("channels are 0 and 1")
        return value


class TranscriptionDefinitionV3(BaseModel):
    """POST /speechtotext/v3.1/transcriptions."""

    model_config = ConfigDict(extra="ignore")

    contentUrls: list[str] = Field(min_length=1, max_length=1000)
    locale: str = Locale
    displayName: str = Field(min_length=1, max_length=500)
    description: str | None = Field(default=None, max_length=5000)
    model: EntityReference | None = None
    properties: TranscriptionPropertiesV3 = Field(default_factory=TranscriptionPropertiesV3)
    customProperties: dict[str, str] | None = Field(default=None, max_length=10)


class TranscriptionUpdateV3(BaseModel):
    """PATCH /speechtotext/v3.1/transcriptions/{id}."""

    displayName: str | None = Field(default=None, min_length=1, max_length=500)
    description: str | None = Field(default=None, max_length=5000)
    customProperties: dict[str, str] | None = Field(default=None, max_length=10)


class TranscriptionError(BaseModel):
    code: str
    message: str


class TranscriptionPropertiesOut(BaseModel):
    wordLevelTimestampsEnabled: bool
    displayFormWordLevelTimestampsEnabled: bool
    diarizationEnabled: bool
    channels: list[int] | None = None
    punctuationMode: PunctuationMode
    profanityFilterMode: ProfanityMode
    timeToLive: str | None = None
    duration: str | None = None
    error: TranscriptionError | None = None


class TranscriptionLinks(BaseModel):
    files: str


class TranscriptionV3(BaseModel):
    """A v3.1 transcription as the service returns it."""

    self: str
    model: EntityReference | None = None
    links: TranscriptionLinks
    properties: TranscriptionPropertiesOut
    lastActionDateTime: str
    status: Status
    createdDateTime: str
    locale: str
    displayName: str
    description: str
    customProperties: dict[str, str] | None = None


class PaginatedTranscriptions(BaseModel):
    values: list[TranscriptionV3]
    nextLink: str | None = Field(default=None, serialization_alias="@nextLink")


class FileLinks(BaseModel):
    contentUrl: str


class FileProperties(BaseModel):
    size: int


class TranscriptionFile(BaseModel):
    self: str
    name: str
    kind: Literal["Transcription", "TranscriptionReport"]
    properties: FileProperties
    createdDateTime: str
    links: FileLinks


class PaginatedFiles(BaseModel):
    values: list[TranscriptionFile]
    nextLink: str | None = Field(default=None, serialization_alias="@nextLink")


class ResultDocument(BaseModel):
    """A result document (its full shape is that of core.views; extra fields pass through)."""

    model_config = ConfigDict(extra="allow")


class V2ChannelResult(BaseModel):
    """A v2.0 result document of one channel."""

    model_config = ConfigDict(extra="allow")

    AudioFileResults: list[dict[str, Any]]


class V3CombinedPhrase(BaseModel):
    model_config = ConfigDict(extra="allow")

    channel: int
    lexical: str
    itn: str
    maskedITN: str
    display: str


class V3Phrase(BaseModel):
    model_config = ConfigDict(extra="allow")

    recognitionStatus: str
    channel: int
    speaker: int | None = None
    offset: str
    duration: str
    offsetInTicks: int
    durationInTicks: int
    nBest: list[dict[str, Any]]


class V3Result(BaseModel):
    """The v3 result document of one file (contenturl_N.json)."""

    model_config = ConfigDict(extra="allow")

    source: str
    timestamp: str
    durationInTicks: int
    duration: str
    combinedRecognizedPhrases: list[V3CombinedPhrase]
    recognizedPhrases: list[V3Phrase]


class ReportDetail(BaseModel):
    source: str
    status: Literal["Succeeded", "Failed", "NotStarted", "Running"]
    errorKind: str | None = None
    errorMessage: str | None = None


class TranscriptionReport(BaseModel):
    """report.json: how many sources succeeded and failed, and why."""

    successfulTranscriptionsCount: int
    failedTranscriptionsCount: int
    details: list[ReportDetail]
