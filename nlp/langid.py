"""Language of a VoiceItem: trust what was declared unless the text clearly disagrees."""
import pycld2

__all__ = ["SUPPORTED_LANGUAGES", "UNKNOWN_LANGUAGE", "detect_language"]

SUPPORTED_LANGUAGES = ("en", "es", "he", "ar", "ru", "am", "fr")
UNKNOWN_LANGUAGE = "xx"

# cld2 uses pre-2006 ISO codes for a few languages.
_CLD2_CODES = {"iw": "he", "ji": "yi", "in": "id", "jw": "jv"}
# Below these, cld2's "reliable" flag is not worth overriding a declaration.
_MIN_BYTES = 24
_MIN_PERCENT = 90


def _detect(text):
    """Return (code, reliable, percent, bytes) from cld2, or None if it cannot run."""
    try:
        reliable, nbytes, details = pycld2.detect(text)
    except (pycld2.error, UnicodeEncodeError):  # lone surrogates, invalid UTF-8
        return None
    name, code, percent, _score = details[0]
    if code == "un":
        return None
    return _CLD2_CODES.get(code, code), reliable, percent, nbytes


def detect_language(text, declared=None):
    """Language code for ``text``.

    The declared language (survey language, session language, canvasser's
    choice) wins unless cld2 is reliable, gives one language at least 90% of
    the text, and has enough text to judge. Mixed-language items therefore
    keep their declared language. Without a usable declaration the detected
    code is returned, or ``"xx"`` when nothing is reliable.
    """
    declared = (declared or "").strip().lower() or None
    if declared == "iw":
        declared = "he"
    if declared and len(text) < _MIN_BYTES:
        return declared  # too short to overrule anyone; skip cld2 entirely
    found = _detect(text)
    if found is None:
        return declared or UNKNOWN_LANGUAGE
    code, reliable, percent, nbytes = found
    if declared is None:
        return code if reliable else UNKNOWN_LANGUAGE
    if code != declared and reliable and percent >= _MIN_PERCENT and nbytes >= _MIN_BYTES:
        return code
    return declared
