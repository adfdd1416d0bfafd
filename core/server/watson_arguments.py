"""What Watson requests ask for that the local service does not apply: said in `warnings`, never ignored in silence.

The service answers arguments it does not know with a warning ("Unknown arguments: ...") and goes on;
Parley does the same, and names apart the arguments Watson knows but Parley does not apply (custom
models, metrics, the speech detector's settings...). One is refused instead: `redaction`, because a
caller who asked for it relies on numbers being masked, and Parley does not mask them.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.server.errors import ApiError

# Watson's recognition arguments that the local service accepts without applying them
NOT_APPLIED = frozenset({
    "acoustic_customization_id", "language_customization_id", "customization_id", "base_model_version",
    "customization_weight", "grammar_name", "smart_formatting_version", "processing_metrics",
    "processing_metrics_interval", "audio_metrics", "end_of_phrase_silence_time", "split_transcript_at_phrase_end",
    "speech_detector_sensitivity", "background_audio_suppression", "character_insertion_bias", "low_latency",
    "sad_module", "inactivity_timeout", "events", "x-watson-learning-opt-out", "x-watson-metadata",
})


def argument_warnings(given: Iterable[str], applied: Iterable[str], *, where: str = "") -> list[str]:
    """Return the warnings for the arguments given that are not applied (`where`: "url query " for a query string)."""
    left = sorted(set(given) - set(applied))
    unknown = [name for name in left if name not in NOT_APPLIED]
    ignored = [name for name in left if name in NOT_APPLIED]
    warnings = [f"Unknown {where}arguments: {', '.join(unknown)}."] if unknown else []
    if ignored:
        warnings.append(f"Not applied by the local service, ignored: {', '.join(ignored)}.")
    return warnings


def refuse_redaction(value) -> None:
    """Raise ApiError (400) when redaction is asked for (true, or "true")."""
    if value is True or (isinstance(value, str) and value.strip().lower() == "true"):
        raise ApiError(400, "redaction is not available in the local service: numbers would come back unmasked. "
                            "Send the request without it.")
