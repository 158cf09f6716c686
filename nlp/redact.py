"""Remove personal data from residents' free text before anyone else reads it.

Each detector returns spans into the original text; overlaps are resolved in
favour of the earliest, then longest, then most specific span, and the kept
spans are replaced by typed placeholders such as ``[PHONE]``.
"""
import re
from pathlib import Path
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
    r"|il|es|fr|ru|et|us|ly|me|app|uk|ca|mx)\b(?:/[^\s<>\"]*)?",
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

# A document number right after an ID cue is masked whatever its check digit: residents mistype
# them, and a wrong digit still points at one person.
_ID_CUE_BEFORE = re.compile(
    r"(?:\bID\b|\bI\.D\.|\bid(?:entity)? (?:card|number)|\bpassport|\bdriver'?s licen[cs]e"
    r"|\bDNI\b|\bNIE\b|\bpasaporte|\bc[ée]dula|\bseguro social|\bcarte d['’]identit[ée]"
    r"|\bs[ée]curit[ée] sociale|\bpasseport|\bпаспорт\w*|\bСНИЛС|\bИНН\b"
    r"|תעודת זהות|ת\.ז\.?|ת[\"״]ז|דרכון|\bهوية|\bالهوية|جواز السفر|\bالجواز"
    r"|መታወቂያ|ፓስፖርት)"
    r"[^\S\n]*(?:(?:number|no\.?|n[º°o]\.?|número|numéro|номер|№|מספר|رقم|ቁጥር|is|es|est|:|#)"
    r"[^\S\n]*){0,3}$",
    re.IGNORECASE,
)
# The number is found first (digit runs are rare), then the cue in the 40 characters before.
_ID_NUMBER = re.compile(r"(?<![\w\-])[A-Z]{0,2}\d(?:[ \-]?\d){4,20}[A-Z]?(?![\w\-])")
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
    # The street word is a whole word: "called 911" is not "calle d 911".
    r"(?:\b(?:calle|avenida|avda|paseo|plaza|carrera|camino|ronda|travesía)\b\.?|\bc/|\bav\.)\s*(?:de\s+(?:la\s+|los\s+|las\s+)?|del\s+)?" + _CAP
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
# Someone else named by their relation to the resident ("my neighbour Miriam Cohen"), a title
# ("Mrs. Sarah Johnson", "г-жа Марина Белова") or a contact line ("Contact: Moshe Katz"). In
# cased scripts the capital letter tells the name from the words that follow.
_TITLE_CUES = re.compile(
    r"(?-i:\b(?:Mrs|Mr|Ms|Dr|Sra|Sr|Dra|Mme|Mlle|Pr)\b\.?|\bM\.|\bMiss\b)"
    r"|\b(?:contact|contacto|contacter|контакт|контактное лицо)\s*:"
    r"|\b(?:врач|доктор|г-жа|г-н|господин|госпожа)\b",
    re.IGNORECASE,
)
# The same cues in Hebrew, Arabic and Amharic, where no capital marks a name: the words that
# follow are taken unless they are common words (the shipped stop lists and _CASELESS_STOP).
_CASELESS_CUES = re.compile(
    r"(?:\bה(?:שכן|שכנה|בן|בת|חבר|חברה|נכד|נכדה|אח|אחות|דוד|דודה|בוס|מורה|רופא|רופאה)\s+שלי"
    r"|\b(?:אמא|אבא|סבא|סבתא)\s+שלי|\b(?:בעלי|אשתי|אחי|אחותי|שכני|שכנתי|בני|בתי)"
    r"|ד[\"״]ר|^אני)(?!\S)"
    r"|\b(?:جاري|جارتي|صديقي|صديقتي|ابني|بنتي|ابنتي|زوجي|زوجتي|[أا]خي|[أا]ختي|[أا]مي|[أا]بي"
    r"|حفيدي|حفيدتي|عمي|عمتي|خالي|خالتي|الدكتور|الدكتورة|السيد|السيدة)(?!\S)"
    r"|(?<!\S)(?:ጎረቤቴ|ጓደኛዬ|ወንድሜ|እህቴ|ባለቤቴ|ልጄ|እናቴ|አባቴ|አክስቴ|አጎቴ|ዶክተር|ወይዘሮ|ወ/ሮ|አቶ"
    r"|ወይዘሪት)(?!\S)",
)
# Substrings every title cue contains, and words every caseless cue contains: cheap tests
# before the slow alternations (most texts have none).
_TITLE_ANCHORS = ("Mr", "Ms", "Dr", "Sr", "Mme", "Mlle", "Pr", "M.", "Miss", "ontact", "ONTACT",
                  "онтакт", "Контакт", "врач", "Врач", "доктор", "Доктор", "г-", "осподин", "оспожа")
_CASELESS_CUE_WORDS = frozenset(
    "שלי בעלי אשתי אחי אחותי שכני שכנתי בני בתי ד\"ר ד״ר "
    "جاري جارتي صديقي صديقتي ابني بنتي ابنتي زوجي زوجتي أخي اخي أختي اختي أمي امي أبي ابي "
    "حفيدي حفيدتي عمي عمتي خالي خالتي الدكتور الدكتورة السيد السيدة "
    "ጎረቤቴ ጓደኛዬ ወንድሜ እህቴ ባለቤቴ ልጄ እናቴ አባቴ አክስቴ አጎቴ ዶክተር ወይዘሮ ወ/ሮ አቶ ወይዘሪት".split())
# Titles between a relation word and the name ("ጎረቤቴ ወይዘሮ ትእግስት"): skipped, not a name.
_CASELESS_TITLES = frozenset("ወይዘሮ ወ/ሮ አቶ ወይዘሪት ዶክተር גברת מר السيد السيدة".split())
_RELATION_CUES = re.compile(
    r"\bmy (?:neighbou?r|friend|son|daughter|wife|husband|partner|mother|mom|mum|father|dad|brother"
    r"|sister|cousin|aunt|uncle|grand(?:mother|father|son|daughter|ma|pa|child)|boss|landlord|landlady"
    r"|(?:sister|brother|mother|father|son|daughter)-in-law|niece|nephew"
    r"|teacher|doctor|caseworker|colleague)s?\b"
    r"|\bmis? (?:vecin[oa]|amig[oa]|hij[oa]|espos[oa]|madre|padre|herman[oa]|prim[oa]|t[ií][oa]"
    r"|abuel[oa]|niet[oa]|cuñad[oa]|suegr[oa]|sobrin[oa]|jef[ae]|maestr[oa]|m[eé]dic[oa]|caser[oa])s?\b"
    r"|\b(?:mon|ma|mes) (?:voisine?|amie?|fils|fille|femme|mari|m[eè]re|p[eè]re|fr[eè]re|s[œo]e?ur"
    r"|cousine?|oncle|tante|patron|patronne|propri[eé]taire|m[eé]decin|petite?-fille|petit-fils"
    r"|belle-s[œo]e?ur|beau-fr[eè]re|belle-m[eè]re|beau-p[eè]re|neveu|ni[eè]ce)s?\b"
    r"|\bмо(?:й|я|и) (?:сосед(?:ка)?|друг|подруга|сын|дочь|жена|муж|мама|мать|папа|отец|брат|сестра"
    r"|внук|внучка|бабушка|дедушка|тётя|тетя|дядя|начальник|врач|учитель(?:ница)?)\b",
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
    for m in _ID_NUMBER.finditer(text):
        if _ID_CUE_BEFORE.search(text, max(0, m.start() - 40), m.start()):
            yield Redaction("ID", m.start(), m.end())


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
    if any(anchor in text for anchor in _TITLE_ANCHORS):
        cues += _TITLE_CUES.finditer(text)
    if _NAME_ANCHOR.search(text.lower()):  # == any(anchor in text.lower() ...)
        cues += _NAME_CUES.finditer(text)
    for cue in cues:
        span = _name_after(text, cue.end())
        if span:
            yield Redaction("NAME", *span)
    if not text.isascii() and (text.startswith("אני")
                               or not _CASELESS_CUE_WORDS.isdisjoint(text.split())):
        for cue in _CASELESS_CUES.finditer(text):
            span = _caseless_name_after(text, cue.end())
            if span:
                yield Redaction("NAME", *span)
    if "እባላለሁ" not in text:
        return
    for m in _AM_CALLED.finditer(text):
        yield Redaction("NAME", m.start(1), m.end(1))


def _name_after(text, pos):
    """(start, end) of the name that follows a cue at ``pos``, or None."""
    start = end = None
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
    return None if start is None else (start, end)


def _caseless_name_after(text, pos):
    """(start, end) of up to two uncommon Hebrew, Arabic or Amharic words after ``pos``."""
    start = end = None
    taken = 0
    while taken < 2:
        m = _NAME_WORD.match(text, pos)
        if not m:
            break
        word = m.group(1)
        if word in _CASELESS_TITLES and start is None:
            pos = m.end(1)
            continue
        if (word[0].lower() != word[0].upper() or word in _CASELESS_STOP
                or word in _caseless_stopwords() or (taken and word[0] in "וو")
                or word.startswith(_ARABIC_FUNCTION_PREFIXES) or _arabic_suffixed(word)):
            break
        start = m.start(1) if start is None else start
        end = pos = m.end(1)
        taken += 1
    return None if start is None else (start, end)


# Arabic words that begin with the article or a verb prefix are not given names.
_ARABIC_FUNCTION_PREFIXES = ("ال", "بال", "وال", "لل", "فال", "بت", "بي")


def _arabic_suffixed(word):
    """An Arabic word carrying a pronoun suffix ("عمره" his age, "بيتها" her house)."""
    return (len(word) > 2 and word.endswith(("ه", "ها", "هم", "هن", "كم"))
            and not word.endswith("الله"))  # Abdallah, Nasrallah: names


def _caseless_stopwords():
    """The shipped Hebrew, Arabic and Amharic stop lists, read once."""
    global _CASELESS_STOPWORDS
    if _CASELESS_STOPWORDS is None:
        _CASELESS_STOPWORDS = frozenset(
            line.strip() for lang in ("he", "ar", "am")
            for line in (_DATA / f"stopwords_{lang}.txt").read_text(encoding="utf-8").splitlines()
            if line.strip())
    return _CASELESS_STOPWORDS


_DATA = Path(__file__).parent / "data"
_CASELESS_STOPWORDS = None


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
