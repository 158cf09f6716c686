from nlp.langid import SUPPORTED_LANGUAGES, detect_language


def test_declared_language_kept_when_text_agrees():
    assert detect_language("The buses never come on time in our neighbourhood", "en") == "en"


def test_confident_detection_overrides_wrong_declaration():
    text = "אין לנו בעיה עם תחבורה ציבורית בשכונה שלנו, אבל הגן יקר"
    assert detect_language(text, "en") == "he"  # cld2 says 'iw'


def test_hebrew_reported_as_he_without_declaration():
    assert detect_language("הילדים שלנו צריכים עוד מקומות במעון היום") == "he"


def test_each_supported_language_detected():
    samples = {
        "en": "We cannot afford the daycare because the fees went up again this year.",
        "es": "No podemos pagar la guardería porque las cuotas subieron otra vez este año.",
        "fr": "Nous ne pouvons pas payer la crèche car les tarifs ont encore augmenté.",
        "ru": "Мы не можем оплатить детский сад, потому что цены снова выросли.",
        "ar": "لا نستطيع دفع رسوم الروضة لأن الأسعار ارتفعت مرة أخرى هذا العام.",
        "he": "אנחנו לא יכולים לשלם על המעון כי המחירים עלו שוב השנה.",
        "am": "የመዋዕለ ሕጻናት ክፍያ በድጋሚ ስለጨመረ መክፈል አንችልም።",
    }
    for lang, text in samples.items():
        assert lang in SUPPORTED_LANGUAGES
        assert detect_language(text, None) == lang


def test_mixed_language_item_keeps_declared():
    text = "The bus is late every day, pero el costo es muy alto para nosotros"
    assert detect_language(text, "es") == "es"


def test_short_text_trusts_declaration():
    assert detect_language("ok gracias", "fr") == "fr"


def test_unknown_without_declaration_or_evidence():
    assert detect_language("ok", None) == "xx"
    assert detect_language("", None) == "xx"


def test_other_language_returns_detected_code():
    text = "Der Bus kommt nie pünktlich und der Kindergarten ist viel zu teuer für uns"
    assert detect_language(text, None) == "de"


def test_invalid_unicode_does_not_crash():
    assert detect_language("bad \ud800 surrogate text here", "ru") == "ru"
