"""The demo's fictional places: two cities, their neighbourhoods, who lives there, and the
emphasis residents there put on each code (so the committee view shows real differences)."""
from __future__ import annotations

CITIES = [
    {"code": "EB", "name": "Eastbrook", "names": {"he": "איסטברוק", "ar": "إيستبروك", "ru": "Истбрук", "am": "ኢስትብሩክ"}},
    {"code": "RS", "name": "Riverside", "names": {"es": "Riverside", "fr": "Riverside"}},
]

# population; share of each home language; the codes residents there raise more often.
NEIGHBOURHOODS = [
    {"code": "EB-NT", "city": "EB", "name": "Neve Tikva", "names": {"he": "נווה תקווה", "ru": "Неве-Тиква"},
     "population": 9400, "languages": {"he": 0.55, "ru": 0.35, "en": 0.10},
     "emphasis": {"barrier.cost": 3, "barrier.capacity": 3, "theme.early_learning": 3, "barrier.schedule": 2}},
    {"code": "EB-SB", "city": "EB", "name": "Shikun Bet", "names": {"he": "שיכון ב", "am": "ሺኩን ቤት"},
     "population": 6100, "languages": {"am": 0.50, "he": 0.35, "ru": 0.15},
     "emphasis": {"barrier.language": 4, "barrier.information": 3, "barrier.discrimination": 2,
                  "theme.early_learning": 2, "barrier.eligibility": 2}},
    {"code": "EB-OM", "city": "EB", "name": "Old Market", "names": {"he": "השוק הישן", "ar": "السوق القديم"},
     "population": 7300, "languages": {"ar": 0.70, "he": 0.25, "en": 0.05},
     "emphasis": {"barrier.transport": 3, "theme.safety": 3, "theme.transport": 2, "barrier.access": 2,
                  "theme.parks": 2}},
    {"code": "EB-HH", "city": "EB", "name": "Hadar Hills", "names": {"he": "גבעות הדר", "ru": "Гиват-Адар"},
     "population": 5200, "languages": {"he": 0.60, "ru": 0.30, "en": 0.10},
     "emphasis": {"barrier.schedule": 3, "barrier.childcare": 2, "theme.jobs": 2, "theme.mental_health": 2}},
    {"code": "RS-MD", "city": "RS", "name": "Mill District", "names": {},
     "population": 8200, "languages": {"en": 0.70, "es": 0.20, "fr": 0.10},
     "emphasis": {"theme.housing": 3, "barrier.cost": 2, "theme.jobs": 2, "barrier.digital": 2}},
    {"code": "RS-LP", "city": "RS", "name": "Las Palmas", "names": {},
     "population": 6900, "languages": {"es": 0.65, "en": 0.30, "fr": 0.05},
     "emphasis": {"barrier.cost": 3, "barrier.eligibility": 3, "barrier.language": 2, "theme.early_learning": 2,
                  "theme.health": 2}},
    {"code": "RS-NE", "city": "RS", "name": "North End", "names": {},
     "population": 5600, "languages": {"en": 0.55, "fr": 0.30, "es": 0.15},
     "emphasis": {"theme.youth": 3, "theme.jobs": 2, "theme.parks": 2, "barrier.transport": 2,
                  "theme.schooling": 2}},
]

ROLE_SHARES = {"parent": 0.45, "resident": 0.30, "youth": 0.15, "provider": 0.10}
AGE_BANDS = {"under_18": 0.10, "18_29": 0.22, "30_44": 0.38, "45_64": 0.22, "65_plus": 0.08}

# Indicators: baseline by neighbourhood, yearly change, and the gap for each home language.
INDICATORS = [
    {"code": "kindergarten_readiness", "unit": "percent", "direction": "higher_is_better",
     "name": {"en": "Kindergarten readiness", "es": "Preparación para el jardín de infancia",
              "he": "מוכנות לגן חובה", "ar": "الجاهزية لرياض الأطفال", "ru": "Готовность к детскому саду",
              "am": "ለመዋለ ሕፃናት ዝግጁነት", "fr": "Préparation à la maternelle"},
     "linked_codes": ["theme.early_learning", "barrier.cost", "barrier.capacity", "barrier.language",
                      "barrier.information"],
     "baseline": {"EB-NT": 71, "EB-SB": 58, "EB-OM": 62, "EB-HH": 77, "RS-MD": 74, "RS-LP": 60, "RS-NE": 69},
     "trend": 1.5,
     "language_gap": {"he": 4, "en": 5, "ru": 1, "ar": -6, "am": -11, "es": -7, "fr": 0},
     "cohort": 0.012},
    {"code": "childcare_enrolment", "unit": "percent", "direction": "higher_is_better",
     "name": {"en": "Children under 3 in licensed childcare", "es": "Niños menores de 3 años en guarderías autorizadas",
              "he": "ילדים עד גיל 3 במסגרות מפוקחות", "ar": "الأطفال دون الثالثة في حضانات مرخّصة",
              "ru": "Дети до 3 лет в лицензированных яслях", "am": "ፈቃድ ባላቸው መዋእለ ሕፃናት ያሉ ከ3 ዓመት በታች ልጆች",
              "fr": "Enfants de moins de 3 ans en crèche agréée"},
     "linked_codes": ["theme.early_learning", "barrier.cost", "barrier.capacity", "barrier.schedule",
                      "barrier.childcare"],
     "baseline": {"EB-NT": 48, "EB-SB": 31, "EB-OM": 35, "EB-HH": 55, "RS-MD": 44, "RS-LP": 29, "RS-NE": 41},
     "trend": 2.0,
     "language_gap": {"he": 5, "en": 4, "ru": 0, "ar": -7, "am": -12, "es": -9, "fr": 1},
     "cohort": 0.025},
    {"code": "youth_employment", "unit": "percent", "direction": "higher_is_better",
     "name": {"en": "Young people (18–24) in work or study", "es": "Jóvenes (18–24) que estudian o trabajan",
              "he": "צעירים (18–24) בעבודה או בלימודים", "ar": "الشباب (18–24) في العمل أو الدراسة",
              "ru": "Молодёжь (18–24), которая работает или учится", "am": "በሥራ ወይም በትምህርት ላይ ያሉ ወጣቶች (18–24)",
              "fr": "Jeunes (18–24 ans) en emploi ou en études"},
     "linked_codes": ["theme.youth", "theme.jobs", "barrier.transport", "barrier.discrimination"],
     "baseline": {"EB-NT": 81, "EB-SB": 70, "EB-OM": 66, "EB-HH": 84, "RS-MD": 78, "RS-LP": 72, "RS-NE": 69},
     "trend": 0.8,
     "language_gap": {"he": 3, "en": 3, "ru": 1, "ar": -8, "am": -6, "es": -4, "fr": -2},
     "cohort": 0.018},
]
PERIODS = ("2023", "2024", "2025")
