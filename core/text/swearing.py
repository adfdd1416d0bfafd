"""Swear words of the languages better-profanity (English only) does not know, one word form a line.

Only words that are never innocent in their language: Swedish "slut" (end) or French "con" in a name
must not be masked. Lower case; matched whole and without regard to case.
"""

from __future__ import annotations

SWEAR_WORDS = {
    "fr": frozenset("""
        putain putains merde merdes merdique connard connards connasse connasses salope salopes salaud salauds
        enculé enculés enculée enculer pute putes niquer nique foutre couilles chier emmerdeur enfoiré enfoirés
        pétasse bordel bite
    """.split()),
    "sv": frozenset("""
        jävla jävlar jävel jävlarna djävla fan faan helvete helvetes skit skiten skitstövel fitta fittan kuk kuken
        knulla knullar knullade hora horan horunge satans rövhål subba
    """.split()),
    "ru": frozenset("""
        сука суки сучка блядь блять бля хуй хуя хую хуйня пизда пизды пиздец ебать ебаный ёбаный ебал еблан мудак
        мудаки мудила залупа говно дерьмо жопа шлюха нахуй охуеть охуел гондон долбоёб долбоеб
    """.split()),
}
