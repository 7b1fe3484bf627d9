"""Character tables for Arabic matching, every character written by its Unicode name.

Only this module knows code points; normalize.py builds its steps from these tables.
"""

# Format characters that change nothing a reader sees but split words for a machine:
# zero-width space/joiners, direction marks and embeddings, isolates, the Arabic letter
# mark, the byte-order mark, the soft hyphen and the word joiner.
INVISIBLE_FORMAT = (
    "\N{ZERO WIDTH SPACE}"
    "\N{ZERO WIDTH NON-JOINER}"
    "\N{ZERO WIDTH JOINER}"
    "\N{LEFT-TO-RIGHT MARK}"
    "\N{RIGHT-TO-LEFT MARK}"
    "\N{LEFT-TO-RIGHT EMBEDDING}"
    "\N{RIGHT-TO-LEFT EMBEDDING}"
    "\N{POP DIRECTIONAL FORMATTING}"
    "\N{LEFT-TO-RIGHT OVERRIDE}"
    "\N{RIGHT-TO-LEFT OVERRIDE}"
    "\N{LEFT-TO-RIGHT ISOLATE}"
    "\N{RIGHT-TO-LEFT ISOLATE}"
    "\N{FIRST STRONG ISOLATE}"
    "\N{POP DIRECTIONAL ISOLATE}"
    "\N{ARABIC LETTER MARK}"
    "\N{ZERO WIDTH NO-BREAK SPACE}"
    "\N{SOFT HYPHEN}"
    "\N{WORD JOINER}"
)

TATWEEL = "\N{ARABIC TATWEEL}"

# Ligatures that NFKC leaves whole because Unicode gives them no decomposition; a page that
# writes the basmala as one glyph must still meet a page that spells it out.
LIGATURES_WITHOUT_DECOMPOSITION = {
    "\N{ARABIC LIGATURE BISMILLAH AR-RAHMAN AR-RAHEEM}": "بسم الله الرحمن الرحيم",
}

# NFKC writes a double prime (used as a quote mark by some outlets) as two primes, which
# would become two quote marks; it is made one quote before NFKC can split it.
QUOTES_SPLIT_BY_NFKC = {"\N{DOUBLE PRIME}": '"'}

# Harakat, tanween, shadda, sukun, the small high/low marks of the Quranic orthography and
# the dagger (superscript) alef. pyarabic's strip_tashkeel keeps the dagger alef, so ذٰلك
# would not meet ذلك; we strip it here, before alef variants are mapped.
DIACRITICS = (
    "".join(chr(code) for code in range(0x0610, 0x061B))  # ARABIC SIGN SALLALLAHOU.. SMALL KASRA
    + "".join(chr(code) for code in range(0x064B, 0x0660))  # FATHATAN .. WAVY HAMZA BELOW
    + "\N{ARABIC LETTER SUPERSCRIPT ALEF}"
    + "".join(chr(code) for code in range(0x06D6, 0x06DD))  # SMALL HIGH LIGATURE SAD .. SMALL HIGH SEEN
    + "".join(chr(code) for code in range(0x06DF, 0x06E5))  # SMALL HIGH ROUNDED ZERO .. SMALL HIGH MADDA
    + "".join(chr(code) for code in range(0x06E7, 0x06E9))  # SMALL HIGH YEH .. SMALL HIGH NOON
    + "".join(chr(code) for code in range(0x06EA, 0x06EE))  # EMPTY CENTRE LOW STOP .. SMALL LOW MEEM
    + "".join(chr(code) for code in range(0x08D3, 0x0900))  # extended-A small marks and tanween
)

# Hamza written on a waw or yeh seat: the same word is spelled مسؤول or مسئول, شؤون or شئون
# depending on the outlet, so both seats become the bare hamza before pyarabic's tasheel
# (which would otherwise turn them into two different letters, و and ي).
HAMZA_ON_SEAT = {
    "\N{ARABIC LETTER WAW WITH HAMZA ABOVE}": "\N{ARABIC LETTER HAMZA}",
    "\N{ARABIC LETTER YEH WITH HAMZA ABOVE}": "\N{ARABIC LETTER HAMZA}",
}

# Alef forms pyarabic's tasheel does not know (wasla and the wavy-hamza alefs).
ALEF_VARIANTS = {
    "\N{ARABIC LETTER ALEF WASLA}": "\N{ARABIC LETTER ALEF}",
    "\N{ARABIC LETTER ALEF WITH WAVY HAMZA ABOVE}": "\N{ARABIC LETTER ALEF}",
    "\N{ARABIC LETTER ALEF WITH WAVY HAMZA BELOW}": "\N{ARABIC LETTER ALEF}",
    "\N{ARABIC LETTER HIGH HAMZA ALEF}": "\N{ARABIC LETTER ALEF}",
}

ALEF_MAKSURA = {"\N{ARABIC LETTER ALEF MAKSURA}": "\N{ARABIC LETTER YEH}"}

TEH_MARBUTA = {"\N{ARABIC LETTER TEH MARBUTA}": "\N{ARABIC LETTER HEH}"}

# Letters of Persian and Urdu keyboards that Arabic pages pick up when typed or converted
# there; each stands for an Arabic letter a reader takes as the same.
PERSIAN_LETTERS = {
    "\N{ARABIC LETTER KEHEH}": "\N{ARABIC LETTER KAF}",
    "\N{ARABIC LETTER SWASH KAF}": "\N{ARABIC LETTER KAF}",
    "\N{ARABIC LETTER FARSI YEH}": "\N{ARABIC LETTER YEH}",
    "\N{ARABIC LETTER YEH BARREE}": "\N{ARABIC LETTER YEH}",
    "\N{ARABIC LETTER YEH BARREE WITH HAMZA ABOVE}": "\N{ARABIC LETTER YEH}",
    "\N{ARABIC LETTER HEH WITH YEH ABOVE}": "\N{ARABIC LETTER HEH}",
    "\N{ARABIC LETTER HEH GOAL}": "\N{ARABIC LETTER HEH}",
    "\N{ARABIC LETTER HEH GOAL WITH HAMZA ABOVE}": "\N{ARABIC LETTER HEH}",
    "\N{ARABIC LETTER HEH DOACHASHMEE}": "\N{ARABIC LETTER HEH}",
    "\N{ARABIC LETTER TEH MARBUTA GOAL}": "\N{ARABIC LETTER HEH}",
}

DIGITS = {
    **{chr(0x0660 + value): str(value) for value in range(10)},  # ARABIC-INDIC DIGIT ZERO..NINE
    **{chr(0x06F0 + value): str(value) for value in range(10)},  # EXTENDED ARABIC-INDIC (Persian)
    "\N{ARABIC DECIMAL SEPARATOR}": ".",
    "\N{ARABIC THOUSANDS SEPARATOR}": ",",
    "\N{ARABIC PERCENT SIGN}": "%",
}

PUNCTUATION = {
    "\N{ARABIC COMMA}": ",",
    "\N{ARABIC SEMICOLON}": ";",
    "\N{ARABIC QUESTION MARK}": "?",
    "\N{ARABIC FULL STOP}": ".",
    "\N{EN DASH}": "-",
    "\N{EM DASH}": "-",
    "\N{HORIZONTAL BAR}": "-",
    "\N{MINUS SIGN}": "-",
}

QUOTES = {
    **dict.fromkeys(
        "\N{LEFT-POINTING DOUBLE ANGLE QUOTATION MARK}"
        "\N{RIGHT-POINTING DOUBLE ANGLE QUOTATION MARK}"
        "\N{LEFT DOUBLE QUOTATION MARK}"
        "\N{RIGHT DOUBLE QUOTATION MARK}"
        "\N{DOUBLE LOW-9 QUOTATION MARK}"
        "\N{DOUBLE HIGH-REVERSED-9 QUOTATION MARK}"
        "\N{SINGLE LEFT-POINTING ANGLE QUOTATION MARK}"
        "\N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK}"
        "\N{LEFT SINGLE QUOTATION MARK}"
        "\N{RIGHT SINGLE QUOTATION MARK}"
        "\N{SINGLE LOW-9 QUOTATION MARK}"
        "\N{SINGLE HIGH-REVERSED-9 QUOTATION MARK}"
        "\N{PRIME}"
        "\N{APOSTROPHE}"
        "\N{GRAVE ACCENT}"
        "\N{ACUTE ACCENT}",
        '"',
    ),
}

# Characters that end a sentence in Arabic or Latin text; the boilerplate stage uses them to
# tell prose from menu labels.
SENTENCE_END = ".!?\N{ARABIC QUESTION MARK}\N{ARABIC FULL STOP}\N{HORIZONTAL ELLIPSIS}"
