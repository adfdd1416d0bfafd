"""Other languages than English: words written whole, the language a live session keeps, languages named by the user.

The speech is eSpeak NG's (core.tts), transcribed by the real shipped models: base (multilingual) and tiny.en.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import soundfile as sf

from core.asr.models import model_language, resolve_model
from core.asr.session_language import DECISION_MS, SessionLanguage
from core.asr.transcriber import Transcriber, TranscriptionOptions
from core.cli import main
from core.errors import ModelError
from core.store import Library
from core.text.words import Piece, glued, joined
from core.transcription import transcribe_file
from core.tts import synthesize_text

FRENCH = [  # two voices taking turns, as in a meeting
    ("Julie", "Bonjour à tous, merci d'être venus à cette réunion."),
    ("Paul", "Aujourd'hui nous parlons du budget de l'année prochaine."),
    ("Julie", "Je pense que nous devons réduire les dépenses de voyage."),
    ("Paul", "Oui, je suis d'accord avec vous."),
    ("Julie", "Nous allons aussi embaucher deux nouveaux développeurs."),
    ("Paul", "Quand est-ce que le projet sera terminé ?"),
    ("Julie", "Le projet sera terminé à la fin du mois de mars."),
    ("Paul", "Très bien, alors passons au point suivant."),
]
CUT_WORD = re.compile(r"\w [-'’]\w")  # "d 'être", "est -ce": a word written in two


@pytest.fixture(scope="module")
def french_meeting(tmp_path_factory):
    parts = []
    for voice, text in FRENCH:
        parts += [synthesize_text(text, f"Parley Offline Speech Voice (fr-FR, {voice})", locale="fr-FR"), np.zeros(16_000, np.float32)]
    path = tmp_path_factory.mktemp("french") / "reunion.wav"
    sf.write(path, np.concatenate(parts), 16_000)
    return path


def test_a_word_whisper_gives_in_pieces_is_one_written_word():
    pieces = [Piece(" merci", 0.0, 0.4, 0.9), Piece(" d", 0.4, 0.5, 0.8), Piece("'être", 0.5, 0.8, 0.6), Piece(" venus.", 0.8, 1.2, 0.95)]
    assert glued(pieces, "fr") == [Piece("merci", 0.0, 0.4, 0.9), Piece("d'être", 0.4, 0.8, 0.6), Piece("venus.", 0.8, 1.2, 0.95)]
    assert [w.text for w in glued([Piece(" a", 0, 1, 1), Piece(" well", 1, 2, 1), Piece("-known,", 2, 3, 1)], "en-US")] == ["a", "well-known,"]
    assert [w.text for w in glued([Piece("Hello", 0, 1, 1), Piece(" world", 1, 2, 1)], None)] == ["Hello", "world"]  # a first piece has no space
    assert [w.text for w in glued([Piece(" l", 0, 1, 1), Piece("'\ufffdun", 1, 2, 1), Piece(" \ufffd", 2, 3, 1)], "fr")] == ["l'un"]
    french = [Piece(" Il", 0, 1, 1), Piece(" dit", 1, 2, 1), Piece(" «", 2, 2.1, 0.7), Piece(" fini", 2.1, 3, 1), Piece(" »", 3, 3.1, 1),
              Piece(" !", 3.1, 3.2, 0.5), Piece(" -", 3.2, 3.3, 1), Piece(" oui", 3.3, 4, 1)]  # French marks come with spaces before them
    assert glued(french, "fr-FR")[2:] == [Piece("«fini»!", 2, 3.2, 0.5), Piece("-", 3.2, 3.3, 1), Piece("oui", 3.3, 4, 1)]
    japanese = glued([Piece("今日", 0, 1, 1), Piece("は", 1, 2, 1), Piece("晴れ", 2, 3, 1)], "ja")
    assert [w.text for w in japanese] == ["今日", "は", "晴れ"] and joined((w.text for w in japanese), "ja-JP") == "今日は晴れ"
    assert joined(["d'être", "venus."], "fr-FR") == "d'être venus."


@pytest.mark.slow
def test_french_elisions_and_hyphenated_words_come_out_whole(french_meeting):
    conversation = transcribe_file(french_meeting, TranscriptionOptions(model="base", language="fr_ca"))
    text = " ".join(u.display for u in conversation.utterances)
    assert conversation.locale == "fr-CA" and "d'être" in text and "est-ce" in text
    assert not CUT_WORD.search(text), text
    words = [w.text for u in conversation.utterances for w in u.words]
    assert "d'être" in words and len(words) == len(text.split())  # each written word is one timed word


@pytest.mark.slow
def test_english_hyphenated_words_come_out_whole():
    speech = synthesize_text("It was a well-known, so-called twenty-five year plan.", "Parley Offline Speech Voice (en-US, Guy)")
    text = " ".join(u.display for u in Transcriber(TranscriptionOptions(model="tiny.en")).transcribe_stream([speech]))
    assert "25-year" in text and not CUT_WORD.search(text), text  # whisper writes "25" and "-year" as two pieces


def test_a_language_is_a_whisper_code_or_a_locale_and_an_unknown_one_is_a_clear_error():
    base, tiny = resolve_model("base"), resolve_model("tiny.en")
    assert [model_language(base, given) for given in ("fr", "fr-FR", "SV_se", " ru ", None, "")] == ["fr", "fr", "sv", "ru", None, None]
    assert model_language(tiny, None) == model_language(tiny, "en-GB") == "en"
    with pytest.raises(ModelError, match="'xx' is not a language whisper knows") as raised:
        model_language(base, "xx")
    assert "fr-FR" in raised.value.hint
    with pytest.raises(ModelError, match="only transcribes English"):
        model_language(tiny, "fr")


def test_the_stored_locale_is_the_one_given_or_the_usual_one_of_the_language():
    from core.asr.streaming import StreamingRecognizer
    from core.asr.streaming_options import StreamingOptions
    from core.text.language import locale_for

    assert Transcriber(TranscriptionOptions(model="base", language="fr-CA")).locale == "fr-CA"  # was fr-FR
    assert Transcriber(TranscriptionOptions(model="base", language="sv")).locale == "sv-SE"
    assert StreamingRecognizer(StreamingOptions(model="base", language="pt_br"), on_event=print).locale == "pt-BR"
    assert StreamingRecognizer(StreamingOptions(model="tiny.en", language="en-GB"), on_event=print).locale == "en-GB"
    assert [locale_for(code) for code in ("ja", "ar", "no", "jw", "uk", None)] == ["ja-JP", "ar-EG", "nb-NO", "jv-ID", "uk-UA", "en-US"]
    assert locale_for("en", "fr-CA") == "en-US"  # a locale of another language than the one decoded is not kept
    assert locale_for(None, "fr-CA") == "fr-CA"  # to be detected: the given one until then


def test_a_session_language_is_voted_until_a_final_then_asked_of_all_finals_and_kept_once_enough_is_heard():
    second = np.zeros(16_000, np.float32)
    language = SessionLanguage(None)
    assert language.current is None and language.voting and not language.decided
    language.vote([("fr", 0.54), ("de", 0.08), ("ro", 0.07), ("it", 0.05)], 3.0)
    language.vote([("ja", 0.9)], 0.5)  # a word or two tell little
    assert language.current == "fr"
    language.vote([("th", 0.72), ("km", 0.08), ("id", 0.03)], 3.4)  # one voice's sentence, heard with confidence as another language
    assert language.current == "th"
    assert len(language.heard(np.tile(second, 4))) == 4 * 16_000
    language.guess([("fr", 0.78), ("th", 0.1)])  # all the finals' speech says otherwise
    assert language.current == "fr" and not language.voting and not language.decided
    assert len(language.heard(np.tile(second, 40))) == 30 * 16_000  # whisper's window at most
    language.guess([("fr", 0.97)])
    assert language.decided and language.current == "fr" and language.heard_ms == 44_000
    assert SessionLanguage("sv").current == "sv" and SessionLanguage("sv").decided and not SessionLanguage("sv").voting


@pytest.mark.slow
def test_a_live_session_on_a_multilingual_model_keeps_the_language_it_heard(french_meeting, capsys):
    """Asked per buffer, whisper heard one voice as Thai, Japanese and Vietnamese; the session keeps French."""
    assert main(["live", "--input", str(french_meeting), "--model", "base", "--speed", "0", "--jsonl", "--mode", "realtime"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    finals = [line["azure"]["Text"] for line in lines if line["event"] == "transcribed" and line["azure"]["Text"]]
    assert len(finals) >= 6
    for text in finals:
        assert re.fullmatch(r"[\sA-Za-zÀ-ÿŒœ'’,.;:!?«»-]*", text), text  # French: Latin letters, no other script
    assert any("d'être" in text or "projet" in text for text in finals)
    with Library.open() as library:
        assert library.get_conversation(lines[0]["conversationId"]).locale == "fr-FR"


RUSSIAN = [
    ("Irina", "Привет, меня зовут Иван Петров, и встреча начинается в десять тридцать."),
    ("Pavel", "Бюджет составляет три миллиона рублей, это на двадцать пять процентов больше."),
    ("Irina", "Мы встретимся первого марта две тысячи двадцать четвёртого года в Москве."),
    ("Pavel", "Чёрт, это полное дерьмо, блин!"),
    ("Irina", "Сегодня хорошая погода, и мы пойдём гулять в парк."),
    ("Pavel", "Мне двадцать один год, а моему брату тридцать пять лет."),
]


@pytest.mark.slow
def test_speech_whisper_is_unsure_of_is_transcribed_not_dropped(tmp_path):
    """eSpeak's Russian makes whisper base repeat itself; its fallback then samples at random, and in 7 of 12 runs every
    attempt came out unsure enough for the no-speech check to drop all 27 s the VAD kept: no text, exit 0. Retrying a
    window that gave no text still let stretches go inside one that gave some (2.5 s of the 21 s kept, once in 8).
    Whether temperature 0 falls back here depends on the run (CI's did, this machine's alone did not), so the last
    runs sample at once, at the hottest temperature Parley falls back to: at faster-whisper's own (1.0), one run in
    15 gave words of no Russian and 3 kept under 10 s; at 0.4, 24 runs in 24 kept 20-27 s, all in Russian."""
    parts = [np.zeros(8_000, np.float32)]
    for voice, text in RUSSIAN:
        parts += [synthesize_text(text, f"Parley Offline Speech Voice (ru-RU, {voice})", locale="ru-RU"), np.zeros(16_000, np.float32)]
    sf.write(tmp_path / "ru.wav", np.concatenate(parts), 16_000)  # 16-bit, as recordings are
    speech, _ = sf.read(tmp_path / "ru.wav", dtype="float32")
    russian = Transcriber(TranscriptionOptions(model="base", language="ru"))
    whisper = russian.whisper

    class Sampling:  # the model, asked to sample at once at the last temperature of the fallback Parley gives it
        def __getattr__(self, name):
            return getattr(whisper, name)

        def transcribe(self, *args, temperature, **kwargs):
            assert temperature[0] == 0.0
            return whisper.transcribe(*args, temperature=temperature[-1:], **kwargs)

    for run in range(6):  # each run lost all of it with a chance of about one half, or a later stretch of it
        if run == 2:
            russian._whisper = Sampling()
        utterances = list(russian.transcribe_stream([speech]))
        assert utterances and all(re.search("[а-яА-Я]", u.display) for u in utterances), [u.display for u in utterances]
        heard_ms = sum(u.duration_ms for u in utterances)
        assert heard_ms > 15_000, (heard_ms, [u.display for u in utterances])  # of about 21 s spoken


def test_a_batch_phrase_ends_at_a_sentence_end_not_at_an_abbreviation_of_its_language():
    from core.asr.transcriber import _sentences
    from core.results import Word

    def phrases(text: str, locale: str) -> list[str]:
        words = [Word(token, 100 * n, 100) for n, token in enumerate(text.split())]
        return [" ".join(w.text for w in group) for group in _sentences(words, locale)]

    assert phrases("Avec M. Dupont et Mme. Martin. Ensuite le budget.", "fr-FR") == ["Avec M. Dupont et Mme. Martin.", "Ensuite le budget."]
    assert phrases("Встреча с г. Ивановым, т. е. завтра. Потом обед.", "ru-RU") == ["Встреча с г. Ивановым, т. е. завтра.", "Потом обед."]
    assert phrases("Vi ses kl. 10 i morgon. Hej då.", "sv-SE") == ["Vi ses kl. 10 i morgon.", "Hej då."]
    assert phrases("Ask Dr. Brown. He knows.", "en-US") == ["Ask Dr. Brown.", "He knows."]
    assert phrases("Il est arrivé à 10 h. Le budget est prêt.", "fr-FR") == ["Il est arrivé à 10 h.", "Le budget est prêt."]
