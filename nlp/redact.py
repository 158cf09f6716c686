"""Remove personal data from residents' free text before anyone else reads it.

Each detector returns spans into the original text; overlaps are resolved in
favour of the earliest, then longest, then most specific span, and the kept
spans are replaced by typed placeholders such as ``[PHONE]``.
"""
import re
from typing import NamedTuple

import phonenumbers

__all__ = ["PII_TYPES", "Redaction", "find_pii", "redact"]

PII_TYPES = ("EMAIL", "URL", "ID", "PHONE", "ADDRESS", "NAME")
_PRIORITY = {kind: rank for rank, kind in enumerate(PII_TYPES)}
# Numbers written by residents of a language community are often local ones.
_LANGUAGE_REGIONS = {"en": "US", "es": "ES", "fr": "FR", "he": "IL", "ru": "RU", "am": "ET"}


class Redaction(NamedTuple):
    type: str
    start: int
    end: int


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"]+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|edu|gov|io|info|co\.il|org\.il|gov\.il"
    r"|il|es|fr|ru|et|us)\b(?:/[^\s<>\"]*)?",
    re.IGNORECASE,
)
_DOTTED = re.compile(r"\w\.\w")
_DIGIT = re.compile(r"\d")
_URL_TRAILER = ".,;:!?)]}»\"'"

_NINE_DIGITS = re.compile(r"(?<![\d+\-/.])\d{9}(?![\d\-/])")
_SSN = re.compile(r"\b(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}\b")
_SSN_CUED = re.compile(
    r"(?:\bSSN|\bsocial security(?: number)?|\bS\.S\.N\.?)\s*(?:#|:|is|number|no\.?)?\s*"
    r"(\d{9})\b", re.IGNORECASE)

# A run of seven digits is the least any phone number has; cheap gate for phonenumbers.
_PHONE_GATE = re.compile(r"\d(?:[\s().\-/]{0,3}\d){6}")
# Phone-shaped strings the region metadata rejects (unassigned ranges) still identify people.
_PHONE_SHAPE = re.compile(r"(?<![\w+])(?:\+\d|0)\d*(?:[\s.\-]?\(?\d+\)?){2,6}(?!\w)")

_CAP = r"[^\W\d_][\w'’\-]*"
_UPPER = r"(?-i:[A-ZÀ-ÖØ-Þ])[\w'’\-]*"  # French street names are capitalised
_HE_WORD = r"[\u05d0-\u05ea][\u05d0-\u05ea\"'׳״\-]*"
_AR_WORD = r"[\u0621-\u064a][\u0621-\u064a\u064b-\u0652]*"
_RU_WORD = r"[А-Яа-яЁё][А-Яа-яЁё.\-]*"
_NUM = r"\d{1,5}[a-zA-Zא-ת]?(?:/\d{1,4})?"
# Words that end a street name in caseless scripts ("ברחוב הרצל יש 3 גנים").
_HE_STOP = r"(?!(?:יש|אין|של|עם|גם|לא|אבל|כי|רק|זה|היו|היה|כל|עוד|מעל|כמעט|בערך)\b)"
_AR_STOP = r"(?!(?:فيه|فيها|يوجد|لا|من|في|على|مع|كل|حوالي|تقريبا|أكثر)\b)"
_RU_STOP = r"(?!(?:есть|нет|где|уже|было|всего|около|примерно|больше|дом)\b)"

_ADDRESS = [re.compile(p, re.IGNORECASE) for p in (
    # en: "12 Main Street", "4B Oak Ave, Apt 3"
    r"\b\d{1,5}[A-Za-z]?\s+(?!(?:on|in|at|near|by|off|the|of)\b)(?:" + _CAP + r"\s+){0,3}"
    r"(?:(?:street|avenue|road|boulevard|terrace|parkway|highway)\b"
    r"|(?:st|ave|rd|blvd|pkwy|hwy)\b\.?"
    # Everyday words ("45 minutes each way") only count when capitalised.
    r"|(?-i:(?:Lane|Drive|Court|Way|Place|Circle)\b|(?:Ln|Dr|Ct|Pl)\b\.?))"
    r"(?:,?\s*(?:apt|apartment|unit|#)\.?\s*\w+)?",
    # es: "Calle Mayor 12", "Avenida de la Constitución, 45", "C/ Alcalá nº 23"
    r"(?:\bcalle|\bc/|\bavenida|\bav\.|\bavda\.?|\bpaseo|\bplaza|\bcarrera|\bcamino|\bronda"
    r"|\btravesía)\s*(?:de\s+(?:la\s+|los\s+|las\s+)?|del\s+)?" + _CAP
    + r"(?:\s+" + _CAP + r"){0,2}?,?\s*(?:n[º°o]\.?\s*|número\s*|#\s*)?" + _NUM + r"\b",
    # fr: "12 rue de la Paix", "3 bis avenue Victor Hugo"
    r"\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|av\.|boulevard|bd|place|allée|impasse"
    r"|chemin|quai|route|cours)\s+(?:de\s+la\s+|de\s+l['’]|du\s+|des\s+|de\s+|d['’])?"
    + _UPPER + r"(?:\s+" + _UPPER + r"){0,2}",
    # he: "רחוב הרצל 12", "ברח' ז'בוטינסקי 5"
    r"(?:(?<=[בלמו])|\b)(?:רחוב|רח['׳]|שדרות|שד['׳]|סמטת|דרך)\s*" + _HE_STOP + _HE_WORD
    + r"(?:\s+" + _HE_STOP + _HE_WORD + r"){0,2}\s*,?\s*(?:מס['׳]\s*)?" + _NUM + r"\b",
    # ar: "شارع الجامعة 12", "بشارع يافا رقم 5"
    r"(?:(?<=[بفو])|\b)(?:شارع|طريق|جادة)\s+" + _AR_STOP + _AR_WORD + r"(?:\s+" + _AR_STOP
    + _AR_WORD + r"){0,2}\s*[،,]?\s*(?:رقم\s*)?[\d٠-٩]{1,5}",
    # ru: "ул. Ленина, 12", "на улице Гагарина д. 5 кв. 7"
    r"(?:\bул\.|\bулиц[аеуы]\b|\bпр-т|\bпросп\.|\bпроспект[ае]?\b|\bпер\.|\bпереул[оке]к?\b"
    r"|\bбульвар[ае]?\b|\bб-р|\bшоссе\b|\bнаб\.|\bнабережн[аоя][йя]\b)\s*" + _RU_STOP + _RU_WORD
    + r"(?:\s+" + _RU_STOP + _RU_WORD + r"){0,2}\s*,?\s*(?:д\.|дом)?\s*\d{1,4}(?:[а-я]|/\d+)?\b"
    r"(?:,?\s*(?:кв\.|квартира)\s*\d{1,4})?",
    # am: "ቦሌ መንገድ ቁጥር 12", "የቤት ቁጥር 345"
    r"(?:[\u1200-\u137f]+\s+)?(?:መንገድ|ጎዳና)\s*(?:ቁጥር\s*)?\d{1,5}",
    r"(?:የቤት|ቤት)\s+ቁጥር\s*\d{1,6}",
)]

# Self-identification cues; the name is read from the words that follow.
_NAME_CUES = re.compile(
    r"\bmy name is\b|\bmy name's\b|\bi am called\b|\bi'm called\b|\bcall me\b|\bname\s*:"
    r"|\bme llamo\b|\bmi nombre es\b|\bme dicen\b|\bnombre\s*:"
    r"|\bje m['’]appelle\b|\bmon nom est\b|\bmoi c['’]est\b|\bje me nomme\b|\bnom\s*:"
    r"|\bменя зовут\b|\bмо[её] имя\b|\bмоя фамилия\b|\bзовут меня\b|\bимя\s*:"
    r"|\bשמי(?:\s+הוא)?\b|\bקוראים לי\b|\bהשם שלי(?:\s+הוא)?\b"
    r"|\b[اإ]سمي(?:\s+هو)?\b|\b[اأ]دعى\b"
    r"|ስሜ",
    re.IGNORECASE,
)
# Someone else named by their relation to the resident ("my neighbour Miriam Cohen"). Only
# cased scripts: the capital letter tells the name from the words that follow; in Hebrew,
# Arabic and Amharic any word could follow, so no relation cue is tried there.
_RELATION_CUES = re.compile(
    r"\bmy (?:neighbou?r|friend|son|daughter|wife|husband|partner|mother|mom|mum|father|dad|brother"
    r"|sister|cousin|aunt|uncle|grand(?:mother|father|son|daughter|ma|pa)|boss|landlord|landlady"
    r"|teacher|doctor|caseworker|colleague)s?\b"
    r"|\bmis? (?:vecin[oa]|amig[oa]|hij[oa]|espos[oa]|madre|padre|herman[oa]|prim[oa]|t[ií][oa]"
    r"|abuel[oa]|jef[ae]|maestr[oa]|m[eé]dic[oa]|caser[oa])s?\b"
    r"|\b(?:mon|ma|mes) (?:voisine?|amie?|fils|fille|femme|mari|m[eè]re|p[eè]re|fr[eè]re|s[œo]e?ur"
    r"|cousine?|oncle|tante|patron|patronne|propri[eé]taire|m[eé]decin)s?\b"
    r"|\bмо(?:й|я|и) (?:сосед(?:ка)?|друг|подруга|сын|дочь|жена|муж|мама|мать|папа|отец|брат|сестра"
    r"|начальник|врач|учитель(?:ница)?)\b",
    re.IGNORECASE,
)
# Card numbers: 13 to 19 digits, in groups or not, passing the Luhn check.
_CARD = re.compile(r"(?<![\d\-])\d(?:[ \-]?\d){12,18}(?![\d\-])")
# Substrings every cue contains: a cheap test before the slow alternation.
_NAME_ANCHORS = ("name", "call", "llam", "nombre", "dicen", "appel", "nom", "c'est", "c’est",
                 "nomme", "зовут", "имя", "фамилия", "שמי", "קוראים", "השם", "سمي", "دعى",
                 "ስሜ", "እባላለሁ")
_NAME_ANCHOR = re.compile("|".join(map(re.escape, _NAME_ANCHORS)))  # one scan, not 20
_NAME_WORD = re.compile(r"[ \t]*([^\W\d_][\w'’\-]*)")
# Capitalised words after "call me" that are not names.
_NOT_NAMES = frozenset(
    "i monday tuesday wednesday thursday friday saturday sunday today tomorrow please "
    "back anytime asap".split())
_CASELESS_STOP = frozenset(
    "אני ואני גר גרה אמא אבא יש לי עם בן בת מ הוא היא ואנחנו ויש "
    "أنا وأنا من ام أم عمري وعندي لدي عندي هو هي "
    "ነው ነኝ እና እኔ ይባላል እባላለሁ".split())
_AM_CALLED = re.compile(r"(?:እኔ\s+)?([\u1200-\u137f]+(?:\s+[\u1200-\u137f]+)?)\s+እባላለሁ")


def _dotted(text):
    """``_DOTTED.search(text)``, trying only where there is a full stop."""
    i = text.find(".", 1)
    while i != -1:
        if _DOTTED.match(text, i - 1):
            return True
        i = text.find(".", i + 1)
    return False


def _israeli_id_ok(digits):
    total = 0
    for i, ch in enumerate(digits):
        d = int(ch) * (1 + i % 2)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _ids(text):
    for m in _NINE_DIGITS.finditer(text):
        if _israeli_id_ok(m.group()):
            yield Redaction("ID", m.start(), m.end())
    for m in _SSN.finditer(text):
        yield Redaction("ID", m.start(), m.end())
    for m in _SSN_CUED.finditer(text):
        yield Redaction("ID", m.start(1), m.end(1))


def _luhn_ok(digits):
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (1 + i % 2)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _cards(text):
    """A card number identifies its holder: redacted as an ID."""
    for m in _CARD.finditer(text):
        if _luhn_ok(re.sub(r"\D", "", m.group())):
            yield Redaction("ID", m.start(), m.end())


def _phones(text, regions):
    if not _PHONE_GATE.search(text):
        return
    for region in regions:
        for m in phonenumbers.PhoneNumberMatcher(text, region):
            yield Redaction("PHONE", m.start, m.end)
    for m in _PHONE_SHAPE.finditer(text):
        digits = sum(c.isdigit() for c in m.group())
        if 9 <= digits <= 15:
            yield Redaction("PHONE", m.start(), m.end())


def _urls(text):
    for m in _URL.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in _URL_TRAILER:
            end -= 1
        yield Redaction("URL", m.start(), end)


def _names(text):
    cues = list(_RELATION_CUES.finditer(text))
    if _NAME_ANCHOR.search(text.lower()):  # == any(anchor in text.lower() ...)
        cues += _NAME_CUES.finditer(text)
    for cue in cues:
        start = end = None
        pos = cue.end()
        for count in range(3):
            m = _NAME_WORD.match(text, pos)
            if not m:
                break
            word = m.group(1)
            if word[0].lower() != word[0].upper():  # a cased script: names are capitalised
                if not word[0].isupper() or word.lower() in _NOT_NAMES:
                    break
            elif word in _CASELESS_STOP or (count and word[0] in "וو"):
                break
            elif count == 2:
                break  # caseless scripts: first and family name at most
            start = m.start(1) if start is None else start
            end = pos = m.end(1)
        if start is not None:
            yield Redaction("NAME", start, end)
    if "እባላለሁ" not in text:
        return
    for m in _AM_CALLED.finditer(text):
        yield Redaction("NAME", m.start(1), m.end(1))


def find_pii(text, language=None, *, phone_regions=("IL", "US")):
    """All personal-data spans in ``text``, sorted and non-overlapping.

    Patterns of every supported language run, because residents mix
    languages; ``language`` adds its home region to ``phone_regions``.
    """
    regions = list(dict.fromkeys(phone_regions))
    home = _LANGUAGE_REGIONS.get(language)
    if home and home not in regions:
        regions.append(home)
    found = []
    if "@" in text:
        found += [Redaction("EMAIL", m.start(), m.end()) for m in _EMAIL.finditer(text)]
    if _dotted(text):  # sentence full stops are followed by a space
        found += _urls(text)
    if _DIGIT.search(text):  # every ID, phone and address has a digit
        found += _ids(text)
        found += _cards(text)
        found += _phones(text, regions)
        for pattern in _ADDRESS:
            found += [Redaction("ADDRESS", m.start(), m.end()) for m in pattern.finditer(text)]
    found += _names(text)
    found.sort(key=lambda r: (r.start, -(r.end - r.start), _PRIORITY[r.type]))
    kept, last_end = [], 0
    for r in found:
        if r.start >= last_end and r.end > r.start:
            kept.append(r)
            last_end = r.end
    return kept


def redact(text, language=None, phone_regions=("IL", "US")):
    """Return ``(redacted_text, spans)``; spans are :class:`Redaction` tuples
    ``(type, start, end)`` into the original ``text``."""
    spans = find_pii(text, language, phone_regions=phone_regions)
    if not spans:
        return text, spans
    parts, pos = [], 0
    for r in spans:
        parts.append(text[pos:r.start])
        parts.append(f"[{r.type}]")
        pos = r.end
    parts.append(text[pos:])
    return "".join(parts), spans
