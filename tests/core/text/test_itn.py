"""Inverse text normalisation and the four forms, on sentences with known written forms."""

import pytest

from core.text.forms import forms_from_display, itn_from_display, lexical_from_itn, word_token
from core.text.itn import inverse_normalize


@pytest.mark.parametrize(
    "spoken, written",
    [
        ("It's twenty five past ten.", "It's 25 past 10."),
        ("one hundred and twenty three people", "123 people"),
        ("I have one dog", "I have one dog"),  # below three, numbers stay words, as people write them
        ("two point five", "2.5"),
        ("three million", "3000000"),
        # money and percentages
        ("I paid fifty dollars.", "I paid $50."),
        ("It costs five euros and twenty cents.", "It costs €5 and 20 cents."),
        ("It grew by three point five percent", "It grew by 3.5%"),
        # dates and ordinals
        ("on March first", "on March 1st"),
        ("on March third, twenty twenty four", "on March 3rd, 2024"),
        ("the twenty first century", "the 21st century"),
        ("We met in nineteen ninety nine.", "We met in 1999."),
        # clock times
        ("Meet me at ten thirty.", "Meet me at 10:30."),
        ("Call at seven fifteen pm", "Call at 7:15 pm"),
        # titles before a name, not a common noun
        ("Doctor Smith is here", "Dr. Smith is here"),
        ("doctor smith is here", "dr. smith is here"),
        ("the doctor said no", "the doctor said no"),
        ("Mister Jones, hello", "Mr. Jones, hello"),
    ],
)
def test_inverse_normalize(spoken, written):
    assert inverse_normalize(spoken) == written


def test_other_languages_get_numbers_only():
    assert inverse_normalize("Nous avons payé vingt-cinq euros le trois mars.", "fr-FR") == "Nous avons payé 25 euros le 3 mars."
    assert inverse_normalize("Il a cent vingt mille euros", "fr-FR") == "Il a 120000 euros"
    assert inverse_normalize("Doctor twenty", "sv-SE") == "Doctor twenty"  # text2num has no Swedish: unchanged


def test_four_forms_of_a_spoken_sentence():
    forms = forms_from_display("Doctor Smith paid fifty dollars on March first, twenty twenty four.")
    assert forms.display == "Dr. Smith paid $50 on March 1st, 2024."
    assert forms.itn == "dr. smith paid $50 on march 1st 2024"
    assert forms.masked_itn == forms.itn
    assert forms.lexical == "doctor smith paid fifty dollars on march first twenty twenty four"


def test_four_forms_when_whisper_wrote_digits():
    forms = forms_from_display("  We grew 15% at 10:30, Mr. Jones.  ")
    assert forms.display == "We grew 15% at 10:30, Mr. Jones."
    assert forms.itn == "we grew 15% at 10:30 mr. jones"
    assert forms.lexical == "we grew fifteen percent at ten thirty mister jones"


def test_lexical_spells_what_itn_writes():
    assert lexical_from_itn("$3.5 on the 2nd in 1984 at 7:05") == "three point five dollars on the second in nineteen eighty four at seven five"
    assert lexical_from_itn("the 1990s") == "the nineteen nineties"
    assert lexical_from_itn("1,000 and 3.5% and 25") == "one thousand and three point five percent and twenty five"


def test_phone_numbers_codes_and_initials_are_said_as_they_are_read_out():
    """"5551234" was five million five hundred and fifty one thousand..., sixteen Words[] nobody said; "555-1234" and
    "p.m" stayed as written in the lexical form."""
    assert forms_from_display("Call 5551234 or 555-1234 at 3 p.m.").lexical == (
        "call five five five one two three four or five five five one two three four at three p m")
    assert lexical_from_itn("agent 007 dials 0800 then 1-800-555-1234") == (
        "agent zero zero seven dials zero eight zero zero then one eight zero zero five five five one two three four")
    assert lexical_from_itn("order 12345 for 2,500 users") == "order one two three four five for two thousand five hundred users"
    assert lexical_from_itn("chapters 10-12 from 2020-2024 for 1000-2000 users") == (
        "chapters 10-12 from 2020-2024 for 1000-2000 users")  # ranges, not numbers to dial
    assert lexical_from_itn("0612345678", "fr-FR") == "zéro six un deux trois quatre cinq six sept huit"
    assert lexical_from_itn("3 500 000 habitants", "fr-FR") == "trois millions cinq cent mille habitants"  # a count
    assert lexical_from_itn("12345 et 12 345", "fr-FR") == "un deux trois quatre cinq et douze mille trois cent quarante-cinq"
    assert lexical_from_itn("10000 users and 250000 downloads") == "ten thousand users and two hundred and fifty thousand downloads"


def test_prices_are_said_with_their_cents():
    """"$5.50" was "five point five dollars": the zero lost, and no one reads a price so ("12,50 €" in French too)."""
    assert forms_from_display("It costs $5.50, or $1.05, $1 and $0.99.").lexical == (
        "it costs five dollars fifty or one dollar five one dollar and ninety nine cents")
    assert lexical_from_itn("$10.00 or £0.20 or $3.5") == "ten dollars or twenty pence or three point five dollars"
    assert lexical_from_itn("5,50 €", "ru-RU") == "пять евро пятьдесят"
    assert lexical_from_itn("12,50 €", "sv-SE") == "tolv euro femtio"


def test_word_tokens_and_itn_helpers_keep_their_contract():
    assert word_token("Hello,") == "hello"
    assert word_token("Dr.") == "dr."
    assert word_token("...") == "..."
    assert itn_from_display("Hello, World! It's “fine”.") == "hello world it's fine"


@pytest.mark.parametrize(
    "itn, locale, lexical",
    [
        # thousands groups separated by a space (or a no-break space, collapsed before ITN) are one number
        ("3 500 000 euros", "fr-FR", "trois millions cinq cent mille euros"),
        ("1 000", "fr-FR", "mille"),
        ("2\u202f000\u00a0dollars", "fr-FR", "deux mille dollars"),
        ("1 500 000", "ru-RU", "один миллион пятьсот тысяч"),
        # "," is the decimal mark; "%" and "€" are said in the language
        ("3,5 %", "fr-FR", "trois virgule cinq pour cent"),
        ("12,50 €", "fr-FR", "douze euros cinquante"),  # a price: said with its cents, as people read one
        ("12,50 рублей", "ru-RU", "двенадцать целых пятьдесят сотых рублей"),  # fifty hundredths, as written
        ("25%", "ru-RU", "двадцать пять процентов"),
        ("3,5 procent", "sv-SE", "tre komma fem procent"),
        ("25 %", "sv-SE", "tjugofem procent"),
        # a Swedish clock time is not a decimal; a dot between digits is no decimal mark either
        ("klockan 10.30", "sv-SE", "klockan tio trettio"),
        ("3.5", "sv-SE", "3.5"),
        ("1.500.000", "de-DE", "eine million fünfhunderttausend"),
        # French keeps its hyphens
        ("24 ans", "fr-FR", "vingt-quatre ans"),
    ],
)
def test_lexical_reads_numbers_as_the_language_writes_them(itn, locale, lexical):
    assert lexical_from_itn(itn, locale) == lexical


@pytest.mark.parametrize(
    "display, locale, written, lexical",
    [
        ("Vingt-cinq pour cent des gens.", "fr-FR", "25 % des gens.", "vingt-cinq pour cent des gens"),
        ("Trois virgule cinq pour cent.", "fr-FR", "3,5 %.", "trois virgule cinq pour cent"),
        ("Il y a des millions de personnes.", "fr-FR", "Il y a des millions de personnes.", "il y a des millions de personnes"),
        ("Il a 1,5 million.", "fr-FR", "Il a 1,5 million.", "il a un virgule cinq million"),
        ("Mille mercis, une personne sur cent.", "fr-FR", "Mille mercis, une personne sur cent.", "mille mercis une personne sur cent"),
        ("Né en mille neuf cent quatre-vingt-cinq.", "fr-FR", "Né en 1985.", "né en mille neuf cent quatre-vingt-cinq"),
        ("Le budget est de 3 500 000 euros.", "fr-FR", "Le budget est de 3 500 000 euros.", "le budget est de trois millions cinq cent mille euros"),
        ("Это 3,5 % и 1 500 000 рублей.", "ru-RU", "Это 3,5 % и 1 500 000 рублей.", "это три целых пять десятых процентов и один миллион пятьсот тысяч рублей"),
        ("Vi ses klockan 10.30 den 1 mars 2024.", "sv-SE", "Vi ses klockan 10.30 den 1 mars 2024.", "vi ses klockan tio trettio den ett mars 2024"),
        ("There are millions of people.", "en-US", "There are millions of people.", "there are millions of people"),
    ],
)
def test_forms_keep_lone_scale_words_and_read_numbers_in_the_language(display, locale, written, lexical):
    forms = forms_from_display(display, locale)
    assert (forms.display, forms.lexical) == (written, lexical)
