"""Normaliser for informal Indonesian chat (docs/rules.md §6), used before classification.

It rewrites only what is safe: known abbreviations, stretched letters ("bangeeet"), a few
Banjar/Javanese/Bugis words with a single unambiguous meaning, emoji, and long numbers. Entity
offsets are never computed on its output: entities.py reads the original text.
"""
from __future__ import annotations

import re
import unicodedata

# One token → its standard form. Deliberately absent (docs/rules.md §6 warns that blanket rules
# corrupt normal text): kan, ma, do, buat (Banjar "put in"), kaya (rich / like), no, tak, dah, g.
SLANG: dict[str, str] = {
    # spelling variants of domain words
    "akte": "akta", "akt": "akta", "ektp": "ktp", "ktpel": "ktp", "e-ktp": "ktp",
    "ktp-el": "ktp", "capil": "dukcapil", "disduk": "dukcapil", "disdukcapil": "dukcapil",
    "dispenduk": "dukcapil", "dispendukcapil": "dukcapil", "catpil": "dukcapil",
    "kartu-keluarga": "kartu keluarga", "nmr": "nomor", "nomer": "nomor", "nmor": "nomor",
    "noreg": "nomor", "tiket": "tiket", "tgl": "tanggal", "tggl": "tanggal", "thn": "tahun",
    "th": "tahun", "bln": "bulan", "hr": "hari", "mgg": "minggu", "mgu": "minggu",
    "syrt": "syarat", "srt": "surat", "ortu": "orang tua", "almh": "almarhum", "alm": "almarhum",
    "almarhumah": "almarhum", "kel": "kelurahan", "kec": "kecamatan", "ds": "desa",
    # question words
    "gmn": "bagaimana", "gmna": "bagaimana", "gimana": "bagaimana", "bgmn": "bagaimana",
    "bgmna": "bagaimana", "gmana": "bagaimana", "gimna": "bagaimana",
    "bagaimna": "bagaimana", "kayapa": "bagaimana", "piye": "bagaimana",
    "brp": "berapa", "brapa": "berapa", "berpa": "berapa", "knp": "kenapa", "knpa": "kenapa",
    "napa": "kenapa", "dmn": "di mana", "dmna": "di mana", "dimn": "di mana", "dimana": "di mana",
    "kpn": "kapan", "kapn": "kapan", "ap": "apa", "apaan": "apa", "opo": "apa",
    # function words
    "utk": "untuk", "untk": "untuk", "tuk": "untuk", "gasan": "untuk",
    "blm": "belum", "blom": "belum", "belom": "belum", "blum": "belum", "balum": "belum",
    "sdh": "sudah", "udh": "sudah", "udah": "sudah", "uda": "sudah", "sudh": "sudah",
    "sampun": "sudah", "wis": "sudah", "yg": "yang", "dgn": "dengan", "dg": "dengan",
    "tdk": "tidak", "ga": "tidak", "gak": "tidak", "nggak": "tidak", "ngga": "tidak",
    "engga": "tidak", "enggak": "tidak", "gk": "tidak", "kada": "tidak", "ndak": "tidak",
    "nda": "tidak", "ora": "tidak", "tida": "tidak",
    "bs": "bisa", "bsa": "bisa", "bisaa": "bisa",
    "sy": "saya", "sya": "saya", "aku": "saya", "gw": "saya", "gue": "saya", "ulun": "saya",
    "pian": "anda", "skrg": "sekarang", "skrng": "sekarang", "skr": "sekarang",
    "bsk": "besok", "besuk": "besok", "kmrn": "kemarin", "kemaren": "kemarin", "kmren": "kemarin",
    "jd": "jadi", "jdi": "jadi", "krn": "karena", "krna": "karena", "karna": "karena",
    "trs": "terus", "trus": "terus", "aja": "saja", "aj": "saja", "hrs": "harus",
    "lg": "lagi", "lgi": "lagi", "sm": "sama", "ama": "sama", "dr": "dari", "dri": "dari",
    "tp": "tapi", "tpi": "tapi", "klo": "kalau", "kalo": "kalau", "kl": "kalau", "klau": "kalau",
    "bkn": "bukan", "emg": "memang", "emang": "memang", "gt": "begitu", "gitu": "begitu",
    "org": "orang", "tlg": "tolong", "tolongin": "tolong", "mhn": "mohon", "jg": "juga",
    "sdg": "sedang", "lgsg": "langsung", "bgt": "banget", "bngt": "banget", "bener": "benar",
    "mw": "mau", "mo": "mau", "pengen": "mau", "pgn": "mau", "pngn": "mau", "handak": "mau",
    "mauu": "mau", "ingin": "mau", "ngurus": "urus", "ngurusin": "urus", "urusin": "urus",
    "bkin": "bikin", "bikn": "bikin",
    # greetings, thanks, yes/no
    "mksh": "terima kasih", "makasih": "terima kasih", "makasi": "terima kasih",
    "mksih": "terima kasih", "maksih": "terima kasih", "trims": "terima kasih",
    "trimakasih": "terima kasih", "terimakasih": "terima kasih", "trmksh": "terima kasih",
    "tq": "terima kasih", "thx": "terima kasih", "thanks": "terima kasih", "tengkyu": "terima kasih",
    "makasihh": "terima kasih", "maturnuwun": "terima kasih", "ty": "terima kasih",
    "min": "admin", "mimin": "admin", "minn": "admin", "kakk": "kak", "kaka": "kak",
    "ok": "oke", "okey": "oke", "okay": "oke", "okee": "oke", "okk": "oke", "oce": "oke",
    "sipp": "sip", "yaa": "ya", "yoi": "ya", "nggih": "iya", "iye": "iya", "iyaa": "iya",
    "iy": "iya", "yup": "iya", "yups": "iya", "yes": "iya", "ass": "assalamualaikum",
    "askum": "assalamualaikum", "assalamu'alaikum": "assalamualaikum",
    "asalamualaikum": "assalamualaikum", "assalamualaikom": "assalamualaikum",
    "tabe": "permisi", "punten": "permisi",
    # Banjar and Kutai Malay words with one meaning in these chats (issue 16). "napa" stays
    # "kenapa" (Jakarta slang is commoner here than Banjar "what"); "kai" (grandfather / a name)
    # and "laki" (husband / male) are left alone.
    "ndik": "tidak", "ndk": "tidak", "endik": "tidak", "hiih": "iya", "hi'ih": "iya",
    "hi’ih": "iya", "hih": "iya", "inggih": "iya", "haja": "saja", "kawa": "bisa",
    "barapa": "berapa", "batakun": "bertanya", "maulah": "bikin", "tuntung": "selesai",
    "kadada": "tidak ada", "jua": "juga", "banar": "benar", "lawas": "lama", "hanyar": "baru",
    "nang": "yang", "parak": "dekat", "bapandir": "bicara", "lawan": "dengan", "urang": "orang",
    "tarima": "terima", "baranak": "melahirkan", "bini": "istri", "abah": "bapak", "uma": "ibu",
    "nini": "nenek", "ading": "adik", "sidin": "beliau", "ikam": "kamu", "mun": "kalau",
    "isuk": "besok", "samalam": "kemarin", "sadikit": "sedikit", "sabarataan": "semua",
}

# Multi-word rewrites, applied before single tokens (word boundaries enforced).
PHRASES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"\bkaya\s+apa\b"), "bagaimana"),          # Banjar "how"; "kaya" alone = rich
    (re.compile(r"\bmatur\s+nuwun\b"), "terima kasih"),
    (re.compile(r"\bwayah\s+ini\b"), "sekarang"),         # Banjar "now"
    (re.compile(r"\bterima\s+kasi\b"), "terima kasih"),
    (re.compile(r"\be[\s-]?ktp\b|\bktp[\s-]?el\b"), "ktp"),
    (re.compile(r"\bk\.?t\.?p\b"), "ktp"),
    (re.compile(r"\bwa['’]?alaikum\w*"), "waalaikumsalam"),
]

# Emoji carry intent cues; map the telling ones to words, drop the rest.
EMOJI: dict[str, str] = {
    "🙏": " emojimohon ", "👍": " emojiok ", "👌": " emojiok ", "✅": " emojiok ", "🆗": " emojiok ",
    "❌": " emojitidak ", "🚫": " emojitidak ", "👎": " emojitidak ",
    "😡": " emojimarah ", "😠": " emojimarah ", "🤬": " emojimarah ", "😤": " emojimarah ",
    "😭": " emojisedih ", "😢": " emojisedih ", "😞": " emojisedih ", "😩": " emojisedih ",
    "👋": " emojihalo ", "🙂": " ", "😊": " ", "😁": " ", "🤗": " ",
}
_EMOJI_RE = re.compile("|".join(map(re.escape, sorted(EMOJI, key=len, reverse=True))))
# Whatever other pictographs remain carry no cue.
_OTHER_EMOJI = re.compile(
    "[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200D\U000E0020-\U000E007F]")

# Numbers that identify someone are replaced by a placeholder word: the classifier should learn
# "a ticket number was given", not memorise digits.
TICKET_RE = re.compile(r"\b[a-z]{2,5}-\d{4,}(?:-\d+)*\b")
LONG_NUMBER_RE = re.compile(r"(?<!\d)\d(?:[ .\-]?\d){11,17}(?!\d)")
PHONE_RE = re.compile(r"(?:\+62|\b62|\b0)8\d{1,3}[ .\-]?\d{3,4}[ .\-]?\d{3,5}\b")
# An address starts only where a run of local-part characters starts (after any leading . + -):
# starting at every character of a long run and rescanning it to the end was quadratic.
EMAIL_RE = re.compile(r"(?<![\w.+-])[.+-]*+\b(?P<email>[\w.+-]++@[\w-]+(?:\.[\w-]+)+\b)")
# The one place a plain scan could also start inside a run: where the previous address ended.
_EMAIL_RESUME = re.compile(r"(?<![\w.+-])(?P<email>[\w.+-]++@[\w-]+(?:\.[\w-]+)+\b)")

# Words whose double letters are real: when a stretched word collapses to one of these, keep two.
_REAL_DOUBLES = {"maaf", "saat", "taat", "assalamualaikum", "allah", "jumaat", "innalillahi",
                 "alhamdulillah", "waalaikumsalam", "tunggu", "sesuai"}
_VOCATIVE_BEFORE = {"halo", "hallo", "hai", "hi", "pagi", "siang", "sore", "malam", "permisi",
                    "maaf", "terima kasih", "kasih", "mksh", "makasih", "tq", "thanks", "trims",
                    "oke", "ok", "iya", "assalamualaikum", "salam", "selamat", "met", "sip"}
_STRETCH_RE = re.compile(r"([a-z])\1{2,}")
_TOKEN_RE = re.compile(r"[a-z0-9]+(?:['’-][a-z0-9]+)*|[?!]")
NORMALIZER_VERSION = 4


def email_spans(pattern: re.Pattern, resume: re.Pattern, text: str):
    """(start, end) of the "email" group of every address, left to right, in linear time.

    `pattern` starts only at the start of a run of local-part characters; that is what keeps it
    linear. The unanchored pattern it replaces found the same addresses, and one more kind: an
    address glued to the end of the previous one ("a@b.co.x@c.org"). `resume` finds that one
    where the previous address ended, on the text only up to the second "@" after that point
    (an address holds one "@"), so the slices together stay within twice the text's length.
    """
    end = 0
    while True:
        span = None
        first = text.find("@", end) if 0 < end < len(text) else -1
        if first >= 0:
            second = text.find("@", first + 1)
            glued = resume.match(text[end: second if second >= 0 else len(text)])
            if glued:
                span = (end + glued.start("email"), end + glued.end("email"))
        if span is None:
            found = pattern.search(text, end)
            if found is None:
                return
            span = found.span("email")
        yield span
        end = span[1]


def _replace_spans(text: str, spans, replacement: str) -> str:
    """text with each (start, end) span, in order and not overlapping, replaced."""
    out, pos = [], 0
    for start, end in spans:
        out += (text[pos:start], replacement)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _unstretch(word: str) -> str:
    """Collapse letters repeated three or more times ("bangeeet" → "banget", "maaaf" → "maaf"),
    and a doubled last letter of a longer word ("makasihh", "tolongg", "kakakk"): no Indonesian
    word ends in one."""
    if not _STRETCH_RE.search(word):
        if len(word) > 3 and word[-1] == word[-2] and word[-1].isalpha() and word not in _REAL_DOUBLES:
            return word[:-1]
        return word
    two = _STRETCH_RE.sub(r"\1\1", word)
    if two in _REAL_DOUBLES:
        return two
    one = _STRETCH_RE.sub(r"\1", word)
    return one


_PARTICLES = {"ya", "yaa", "dong", "nih", "sih", "ok", "oke"}
# A word before "kk" is compared only with these (after stretched letters collapse). Each run of
# one repeated character leaves at least one letter, so a word of more runs than the longest of
# them matches none: is_vocative_kk stops reading back there instead of at the message start.
_LONGEST_COMPARED = max(map(len, [*_VOCATIVE_BEFORE, *SLANG, *_PARTICLES]))
_SPACES_AND_COMMAS = re.compile(r"[ ,]*")
_END_PUNCTUATION = re.compile(r"[?!. ]*")


def _word_before(text: str, start: int) -> tuple[bool, str | None]:
    """Whether text[:start] is only spaces and commas, and its last word once those are
    stripped, lower-cased ("" when there is none); the word is None when it has more runs of a
    repeated character than any word it is compared with."""
    end = start
    while end and text[end - 1] in " ,":
        end -= 1
    nothing_before = end == 0
    while end and text[end - 1].isspace():
        end -= 1
    begin, runs, last = end, 0, None
    while begin and not text[begin - 1].isspace():
        char = text[begin - 1].lower()
        if char != last:
            runs, last = runs + 1, char
            if runs > _LONGEST_COMPARED:
                return nothing_before, None
        begin -= 1
    return nothing_before, text[begin:end].lower()


def is_vocative_kk(text: str, start: int, end: int) -> bool:
    """Whether the "kk" at text[start:end] addresses a person ("makasih kk") rather than a KK.

    It reads only the word before and the punctuation after: a message with thousands of "kk"
    must not lower-case and split everything before each one.
    """
    nothing_before, prev = _word_before(text, start)
    if prev is None:
        return False
    if _unstretch(prev) in _VOCATIVE_BEFORE or SLANG.get(prev) in _VOCATIVE_BEFORE:
        return True
    # Message-initial "kk, mau tanya" / "kk numpang tanya": a greeting, not the card.
    if nothing_before and re.match(r"(mau |mo |mw |numpang |izin |ijin )?tanya\b",
                                   text[end:].lower().lstrip(" ,")):
        return True
    # Nothing after it but punctuation, right after a politeness particle: "ya kk", "dong kk".
    if prev not in _PARTICLES:
        return False
    rest = _SPACES_AND_COMMAS.match(text, end).end()
    return _END_PUNCTUATION.match(text, rest).end() == len(text)


def normalize(text: str) -> str:
    """Return a lower-case, de-slanged, emoji-mapped form of a chat message for the classifier."""
    text = unicodedata.normalize("NFKC", text)
    text = _EMOJI_RE.sub(lambda m: EMOJI[m.group()], text)
    text = _OTHER_EMOJI.sub(" ", text)
    text = text.lower()
    text = _replace_spans(text, email_spans(EMAIL_RE, _EMAIL_RESUME, text), " alamatemail ")
    text = TICKET_RE.sub(" nomortiket ", text)
    text = PHONE_RE.sub(" nomorhp ", text)
    text = LONG_NUMBER_RE.sub(" nomorinduk ", text)
    for pattern, repl in PHRASES:
        text = pattern.sub(repl, text)
    words = []
    for tok in _TOKEN_RE.findall(text):
        tok = _unstretch(tok)
        # "anak2" is the informal reduplication "anak-anak"; the base word is what matters.
        if len(tok) > 3 and tok[-1] == "2" and tok[-2].isalpha():
            tok = tok[:-1]
        words.append(SLANG.get(tok, tok))
    for i, tok in enumerate(words):
        if tok == "kk" and _kk_is_vocative_in(words, i):
            words[i] = "kak"
    return " ".join(words)


def _kk_is_vocative_in(words: list[str], i: int) -> bool:
    """The token-list twin of is_vocative_kk, on already-normalised words."""
    prev = words[i - 1] if i else ""
    nxt = words[i + 1] if i + 1 < len(words) else ""
    if prev in _VOCATIVE_BEFORE:
        return True
    if i == 0 and (nxt == "tanya" or words[1:3] in (["mau", "tanya"], ["numpang", "tanya"])):
        return True
    return nxt in ("", "?", "!") and prev in {"ya", "dong", "nih", "sih", "oke"}


# What a greeting is made of, after normalisation: "assalamualaikum wr wb pak", "selamat pagi
# admin", "halo kak emojimohon, mau tanya". Stripped from the front to read the request after it.
_GREETING_WORDS = frozenset({
    "halo", "hallo", "helo", "hai", "hi", "hey", "pagi", "siang", "sore", "malam", "selamat",
    "slmt", "met", "assalamualaikum", "aslmkm", "aslm", "samlekom", "wr", "wb", "warahmatullahi",
    "wabarakatuh", "permisi", "salam", "admin", "kak", "kakak", "pak", "bapak", "bu", "ibu",
    "mas", "mbak", "om", "bang", "dik", "anda", "ai", "emojihalo", "emojimohon", "dukcapil",
    "maaf", "numpang", "mau", "tanya", "bertanya", "izin", "ijin", "sedikit", "dong", "ya"})


def strip_greeting(normalised: str) -> str:
    """What follows the greeting at the start of a normalised message ("" when it is all greeting,
    the text unchanged when it does not start with one)."""
    words = normalised.split()
    i = 0
    while i < len(words) and words[i] in _GREETING_WORDS:
        i += 1
    if i == 0 or not any(w in _OPENERS for w in words[:i]):
        return normalised
    return " ".join(words[i:])


# A greeting must open the message: "mau tanya syarat" is not a greeting followed by a request.
_OPENERS = frozenset({"halo", "hallo", "helo", "hai", "hi", "hey", "pagi", "siang", "sore",
                      "malam", "selamat", "slmt", "met", "assalamualaikum", "aslmkm", "aslm",
                      "samlekom", "permisi", "salam", "emojihalo"})
