"""Full-text search over the current transcript of every conversation (SQLite FTS5).

What people type is never handed to FTS5 as syntax: each word becomes a quoted term, so
quotes, dashes, colons, parentheses or a stray AND cannot break the query. Two forms are
kept: "a phrase in quotes" and a prefix* (a word ending in a star).

Hits come newest first (the most recently transcribed utterances), not by bm25 relevance:
FTS5 walks its index in rowid order and stops after `limit` hits, so a query costs the same
on a 1,000,000-utterance library whether it matches ten utterances or most of them. bm25
has to score every match and scan each term's whole posting list (2 s for "the" at that
size), and on utterances a sentence long it mostly prefers the shortest ones anyway.

FTS5 folds every Latin mark, and some are letters of their own: in a Swedish, Finnish, Danish or
Norwegian conversation (core.text.find.OWN_LETTERS), a hit is kept only where its words hold the
query's with those letters told apart, so "sa" (said) does not find "så" (so), nor "har" (has)
"här" (here), and their snippets mark only such words. Those hits are looked for page by page, up to
MAX_PAGES pages of `limit`.
"""

from __future__ import annotations

import re
import unicodedata

from sqlite_utils import Database

from core.store.records import SearchHit
from core.text.find import fold, own_letters
from core.text.profanity import filter_profanity

MAX_YO_SPELLINGS = 8  # a word with more е than this is searched as typed only
MAX_PAGES = 20  # pages of FTS5 hits looked through for those that keep a language's own letters

_WORD = re.compile(r"[^\W_]+")  # a word as FTS5's unicode61 tokenizer cuts text (letters and digits)

# a quoted phrase (the closing quote may be missing), or a run of non-space characters
_TERM = re.compile(r'"([^"]*)"?|(\S+)')


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _has_word(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def _spellings(word: str) -> list[str]:
    """Return the spellings of a word that search finds as one: Russian writes ё as е more often than not, so "еще"
    finds "ещё" and "чёрт" finds "черт" (FTS5 folds the diacritics of Latin letters only). A word has at most one ё."""
    lowered = word.lower()
    if "ё" in lowered:
        return [word, lowered.replace("ё", "е")]
    if lowered.count("е") > MAX_YO_SPELLINGS:  # not a word: something pasted
        return [word]
    return [word] + [lowered[:i] + "ё" + lowered[i + 1:] for i, ch in enumerate(lowered) if ch == "е"]


def _phrase_spellings(phrase: str, most: int = 16) -> list[str]:
    """Return a phrase's spellings, each word's ё written е or not; past `most` of them, as typed and with every ё as е."""
    spellings = [""]
    for word in phrase.split():
        spellings = [f"{before} {spelt}".strip() for before in spellings for spelt in _spellings(word)]
        if len(spellings) > most:
            plain = phrase.lower().replace("ё", "е")
            return [phrase] if plain == phrase.lower() else [phrase, plain]
    return spellings


def _either(spellings: list[str], suffix: str = "") -> str:
    terms = [_quoted(s) + suffix for s in spellings]
    return terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")"


def _typed_terms(text: str) -> list[tuple[str, bool, bool]]:
    """Return what a person typed as its terms, each holding a word: (text, a "quoted phrase", a prefix*)."""
    terms: list[tuple[str, bool, bool]] = []
    # control characters (a NUL ends a C string early) are never part of a word
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text or "")
    for match in _TERM.finditer(text):
        phrase, word = match.group(1), match.group(2)
        if phrase is not None:
            if _has_word(phrase):
                terms.append((phrase, True, False))
        elif _has_word(word.rstrip("*")):
            terms.append((word.rstrip("*"), False, word.endswith("*")))
    return terms


def fts_query(text: str) -> str:
    """Return an FTS5 MATCH expression for what a person typed ('' when nothing is searchable)."""
    return " AND ".join(_either(_phrase_spellings(term)) if phrase else _either(_spellings(term), "*" if prefix else "")
                        for term, phrase, prefix in _typed_terms(text))


def _words(text: str, locale: str) -> list[str]:
    return _WORD.findall(fold(text, locale).text)


def _holds(words: list[str], term: list[str], prefix: bool) -> bool:
    """Return whether `term`'s words come one after another in `words` (its last as a prefix, when `prefix`)."""
    n = len(term)
    return any(words[i:i + n - 1] == term[:-1] and (words[i + n - 1].startswith(term[-1]) if prefix else words[i + n - 1] == term[-1])
               for i in range(len(words) - n + 1))


def _wanted(terms: list[tuple[str, bool, bool]], locale: str) -> list[tuple[list[str], bool]]:
    """Return the typed terms as the words of a locale, each with whether it is a prefix."""
    return [(words, prefix) for term, _, prefix in terms if (words := _words(term, locale))]


def _keeps_own_letters(wanted: list[tuple[list[str], bool]], display: str, speaker: str | None, locale: str) -> bool:
    """Return whether each term is in the text or the speaker's name with the locale's own letters told apart."""
    columns = [_words(display, locale), _words(speaker or "", locale)]
    return all(any(_holds(column, term, prefix) for column in columns) for term, prefix in wanted)


def _own_marks(snippet: str, markers: tuple[str, str], wanted: list[tuple[list[str], bool]], locale: str) -> str:
    """Return a snippet without the highlights FTS5 put on words that hold a query's word only with the locale's
    own letters folded ("så" marked for "sa")."""
    start, end = markers

    def marked(match: re.Match) -> str:
        words = _words(match.group(1), locale)
        keep = any(_holds(words, term, prefix) or _holds(term, words, False) for term, prefix in wanted)
        return match.group(0) if keep or not words else match.group(1)

    return re.sub(re.escape(start) + "(.*?)" + re.escape(end), marked, snippet, flags=re.DOTALL)


def _shown(snippet: str, markers: tuple[str, str], profanity: str, locale: str) -> str:
    """Return a snippet with its profanity shown as the mode says, every highlight marker kept.

    FTS5 marks whole words (a phrase's pair may span several), so the text between markers is
    filtered and the markers stay where they are, balanced.
    """
    if profanity == "None":
        return snippet
    split = re.compile("(" + "|".join(re.escape(m) for m in markers) + ")")
    out = []
    for token in snippet.split(" "):
        pieces = [p if p in markers or not p else filter_profanity(p, profanity, locale) for p in split.split(token)]
        shown = "".join(pieces).replace(markers[0] + markers[1], "")  # a removed word's highlight goes with it
        left = shown.replace(markers[0], "").replace(markers[1], "")
        if profanity == "Removed" and shown != token and out and not _has_word(left):
            out[-1] += shown  # a removed word leaves its markers and marks on the word before: each pair stays whole
        elif shown:
            out.append(shown)
    return " ".join(out)


def search_utterances(
    db: Database, text: str, limit: int = 50, markers: tuple[str, str] = ("[", "]"), profanity: str = "Masked"
) -> list[SearchHit]:
    """Return up to `limit` matching utterances of current transcripts, newest first, with highlighted snippets
    whose profanity is shown as `profanity` says (None, Removed, Tags or Masked)."""
    query = fts_query(text)
    if not query:
        return []
    start, end = markers
    terms = _typed_terms(text)
    wanted: dict[str, list] = {}  # by locale with letters of its own: the terms as its words, made once

    def words_of(locale: str) -> list:
        if locale not in wanted:
            wanted[locale] = _wanted(terms, locale)
        return wanted[locale]

    rows: list[tuple] = []
    before = None  # the rowid the next page starts under
    for _ in range(MAX_PAGES):
        page = db.execute(
            """
            WITH hits AS (
                SELECT rowid AS id, snippet(utterance_search_fts, 0, ?, ?, '…', 16) AS snippet
                FROM utterance_search_fts WHERE utterance_search_fts MATCH ? AND (? IS NULL OR rowid < ?)
                ORDER BY rowid DESC LIMIT ?
            )
            SELECT h.id, p.conversation_id, c.title, u.result_id, u.offset_ms, h.snippet, u.display, s.number, s.name, c.locale
            FROM hits h
            JOIN utterances u ON u.id = h.id
            JOIN passes p ON p.id = u.pass_id
            JOIN conversations c ON c.conversation_id = p.conversation_id
            LEFT JOIN speakers s ON s.id = u.speaker_id
            ORDER BY h.id DESC
            """,
            [start, end, query, before, before, int(limit)],
        ).fetchall()
        rows += [row for row in page if row[6]  # a phrase the user deleted is found by no name either
                 and (not own_letters(row[9]) or _keeps_own_letters(words_of(row[9]), row[6], row[8], row[9]))]
        if len(rows) >= limit or len(page) < limit:
            break
        before = page[-1][0]
    return [
        SearchHit(
            conversation_id=conversation_id,
            title=title,
            result_id=result_id,
            offset_ms=offset_ms,
            snippet=_shown(_own_marks(snippet, markers, words_of(locale), locale) if snippet and own_letters(locale) else snippet or display,
                           markers, profanity, locale),
            speaker=name or (f"Guest-{number}" if number is not None else None),
        )
        for _, conversation_id, title, result_id, offset_ms, snippet, display, number, name, locale in rows[:limit]
    ]
