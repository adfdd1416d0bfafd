"""Which locales the service transcribes, and with which model."""

from __future__ import annotations

from core.errors import ParleyError
from core.server.config import ServerConfig
from core.text.language import language_of

ENGLISH_LOCALES = ("en-US", "en-GB", "en-AU", "en-CA", "en-IN", "en-IE", "en-NZ", "en-ZA", "en-SG", "en-PH", "en-HK", "en-KE", "en-NG", "en-TZ", "en-GH")
# Whisper's multilingual model speaks these (among many more); one common locale each
OTHER_LOCALES = (
    "ar-EG", "ca-ES", "cs-CZ", "da-DK", "de-DE", "el-GR", "es-ES", "es-MX", "fi-FI", "fr-CA", "fr-FR", "he-IL",
    "hi-IN", "hu-HU", "id-ID", "it-IT", "ja-JP", "ko-KR", "nb-NO", "nl-NL", "pl-PL", "pt-BR", "pt-PT", "ro-RO",
    "ru-RU", "sk-SK", "sv-SE", "th-TH", "tr-TR", "uk-UA", "vi-VN", "zh-CN",
)


class LocaleError(ParleyError):
    """A locale the service does not transcribe."""

    hint = "Ask GET .../transcriptions/locales for the locales this service supports."


def supported_locales(config: ServerConfig) -> list[str]:
    """Return the locales this service transcribes (English only when no multilingual model is set)."""
    return list(ENGLISH_LOCALES) + (list(OTHER_LOCALES) if config.multilingual_model else [])


def model_for(locale: str, config: ServerConfig, *, batch: bool = False) -> tuple[str, str]:
    """Return (model name, language) for transcribing a locale; raise LocaleError for one not supported."""
    language = language_of(locale)
    known = {language_of(loc) for loc in supported_locales(config)}
    if language not in known:
        raise LocaleError(f"The locale '{locale}' is not supported.")
    if batch and config.batch_model:
        return config.batch_model, language
    if language == "en":
        return config.english_model, language
    return config.multilingual_model, language


def watson_locale(model: str | None) -> str:
    """Return the locale of a Watson model name ("en-US_BroadbandModel" -> "en-US"; default en-US)."""
    if not model:
        return "en-US"
    return model.split("_")[0] or "en-US"
