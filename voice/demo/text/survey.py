"""Labels for the demo survey "Growing up in our neighbourhood" in seven languages."""
from __future__ import annotations

SURVEY = {
    "title": {
        "en": "Growing up in our neighbourhood",
        "es": "Crecer en nuestro barrio",
        "he": "לגדול בשכונה שלנו",
        "ar": "النشأة في حيّنا",
        "ru": "Расти в нашем районе",
        "am": "በሰፈራችን ማደግ",
        "fr": "Grandir dans notre quartier",
    },
    # Each page's own heading: a page that borrowed a question's label would say it twice.
    "pages": {
        "about": {
            "en": "About you",
            "es": "Sobre usted",
            "he": "עליך",
            "ar": "عنك",
            "ru": "О вас",
            "am": "ስለ እርስዎ",
            "fr": "À propos de vous",
        },
        "family": {
            "en": "Your family",
            "es": "Su familia",
            "he": "המשפחה שלך",
            "ar": "عائلتك",
            "ru": "Ваша семья",
            "am": "ቤተሰብዎ",
            "fr": "Votre famille",
        },
        "voice": {
            "en": "In your words",
            "es": "Con sus palabras",
            "he": "במילים שלך",
            "ar": "بكلماتك",
            "ru": "Своими словами",
            "am": "በራስዎ ቃላት",
            "fr": "Avec vos mots",
        },
    },
    "questions": {
        "consent": {
            "label": {
                "en": "We are listening to residents about growing up here. Your answers are anonymous and "
                      "you can stop at any time. Do you agree to take part?",
                "es": "Estamos escuchando a los vecinos sobre lo que significa crecer aquí. Sus respuestas son "
                      "anónimas y puede dejar de responder en cualquier momento. ¿Acepta participar?",
                "he": "אנחנו מקשיבים לתושבים ולתושבות על החיים והגדילה כאן. התשובות שלך אנונימיות, "
                      "ואפשר להפסיק בכל שלב. האם את/ה מסכים/ה להשתתף?",
                "ar": "نحن نستمع إلى السكان حول النشأة هنا. إجاباتك مجهولة الهوية ويمكنك التوقف في أي وقت. "
                      "هل توافق على المشاركة؟",
                "ru": "Мы собираем мнения жителей о том, каково расти в нашем районе. Ваши ответы анонимны, "
                      "и вы можете прекратить в любой момент. Вы согласны принять участие?",
                "am": "ስለ እዚህ ማደግ የነዋሪዎችን ሀሳብ እየሰማን ነው። መልሶችዎ ስም አልባ ናቸው፤ "
                      "በማንኛውም ጊዜ ማቆም ይችላሉ። ለመሳተፍ ይስማማሉ?",
                "fr": "Nous écoutons les habitants sur ce que c’est de grandir ici. Vos réponses sont anonymes "
                      "et vous pouvez arrêter à tout moment. Acceptez-vous de participer ?",
            },
            "hint": {
                "en": "It takes about 5 minutes.",
                "es": "Le tomará unos 5 minutos.",
                "he": "המילוי נמשך כ-5 דקות.",
                "ar": "يستغرق ذلك نحو 5 دقائق.",
                "ru": "Это займёт около 5 минут.",
                "am": "ወደ 5 ደቂቃ ያህል ይወስዳል።",
                "fr": "Cela prend environ 5 minutes.",
            },
        },
        "area": {
            "label": {
                "en": "Which neighbourhood do you live in?",
                "es": "¿En qué barrio vive?",
                "he": "באיזו שכונה את/ה גר/ה?",
                "ar": "في أي حيّ تسكن؟",
                "ru": "В каком районе вы живёте?",
                "am": "በየትኛው ሰፈር ይኖራሉ?",
                "fr": "Dans quel quartier habitez-vous ?",
            },
        },
        "role": {
            "label": {
                "en": "Which describes you best?",
                "es": "¿Qué opción le describe mejor?",
                "he": "מה מתאר אותך הכי טוב?",
                "ar": "أيّ مما يلي يصفك بشكل أفضل؟",
                "ru": "Что лучше всего вас описывает?",
                "am": "እርስዎን በተሻለ የሚገልጸው የትኛው ነው?",
                "fr": "Qu’est-ce qui vous décrit le mieux ?",
            },
        },
        "age_band": {
            "label": {
                "en": "How old are you?",
                "es": "¿Cuántos años tiene?",
                "he": "בן/בת כמה את/ה?",
                "ar": "كم عمرك؟",
                "ru": "Сколько вам лет?",
                "am": "ዕድሜዎ ስንት ነው?",
                "fr": "Quel âge avez-vous ?",
            },
        },
        "children_under_6": {
            "label": {
                "en": "How many children under 6 live with you?",
                "es": "¿Cuántos niños menores de 6 años viven con usted?",
                "he": "כמה ילדים מתחת לגיל 6 גרים איתך?",
                "ar": "كم طفلًا دون سن السادسة يعيش معك؟",
                "ru": "Сколько детей младше 6 лет живёт с вами?",
                "am": "ከ6 ዓመት በታች የሆኑ ስንት ልጆች አብረውዎ ይኖራሉ?",
                "fr": "Combien d’enfants de moins de 6 ans vivent avec vous ?",
            },
            "hint": {
                "en": "Enter 0 if there are none.",
                "es": "Escriba 0 si no hay ninguno.",
                "he": "אם אין, יש לרשום 0.",
                "ar": "اكتب 0 إذا لم يكن هناك أي طفل.",
                "ru": "Если таких детей нет, укажите 0.",
                "am": "ልጅ ከሌለ 0 ያስገቡ።",
                "fr": "Indiquez 0 s’il n’y en a aucun.",
            },
        },
        "uses_care": {
            "label": {
                "en": "Does your youngest child attend a kindergarten or daycare?",
                "es": "¿Su hijo o hija menor asiste a un jardín de infancia o a una guardería?",
                "he": "האם הילד/ה הצעיר/ה שלך הולך/ת לגן או למעון יום?",
                "ar": "هل يذهب طفلك الأصغر إلى روضة أطفال أو حضانة؟",
                "ru": "Ходит ли ваш младший ребёнок в детский сад или ясли?",
                "am": "ትንሹ ልጅዎ መዋዕለ ሕፃናት ወይም የሕፃናት ማቆያ ይሄዳል?",
                "fr": "Votre plus jeune enfant va-t-il à la maternelle ou à la crèche ?",
            },
        },
        "hard": {
            "label": {
                "en": "What makes it hard for your family to get the early learning, care or services you need?",
                "es": "¿Qué le dificulta a su familia acceder a la educación infantil, el cuidado o los "
                      "servicios que necesita?",
                "he": "מה מקשה על המשפחה שלך לקבל את החינוך לגיל הרך, המסגרות או השירותים שאתם צריכים?",
                "ar": "ما الذي يصعّب على عائلتك الحصول على التعليم المبكر أو الرعاية أو الخدمات التي تحتاجونها؟",
                "ru": "Что мешает вашей семье получить нужное раннее образование, присмотр за детьми "
                      "или другие услуги?",
                "am": "ቤተሰብዎ የሚፈልገውን የቅድመ ልጅነት ትምህርት፣ እንክብካቤ ወይም አገልግሎት "
                      "ለማግኘት ምን ያስቸግረዋል?",
                "fr": "Qu’est-ce qui empêche votre famille d’accéder à l’éducation de la petite enfance, "
                      "à la garde d’enfants ou aux services dont elle a besoin ?",
            },
            "hint": {
                "en": "Write in your own words, in any language.",
                "es": "Escriba con sus propias palabras, en el idioma que prefiera.",
                "he": "אפשר לכתוב במילים שלך, בכל שפה.",
                "ar": "اكتب بكلماتك الخاصة، وبأي لغة تريدها.",
                "ru": "Напишите своими словами, на любом языке.",
                "am": "በራስዎ ቃላት፣ በማንኛውም ቋንቋ ይጻፉ።",
                "fr": "Écrivez avec vos propres mots, dans la langue de votre choix.",
            },
        },
        "change": {
            "label": {
                "en": "What one change would help your family most?",
                "es": "¿Qué cambio ayudaría más a su familia?",
                "he": "איזה שינוי אחד הכי יעזור למשפחה שלך?",
                "ar": "ما التغيير الواحد الذي سيساعد عائلتك أكثر من غيره؟",
                "ru": "Какое одно изменение больше всего помогло бы вашей семье?",
                "am": "ቤተሰብዎን ከሁሉ በላይ የሚረዳው አንድ ለውጥ ምንድን ነው?",
                "fr": "Quel changement aiderait le plus votre famille ?",
            },
        },
    },
    "choices": {
        "roles": {
            "parent": {
                "en": "Parent or carer",
                "es": "Madre, padre o persona cuidadora",
                "he": "הורה או מטפל/ת",
                "ar": "أحد الوالدين أو مقدّم رعاية",
                "ru": "Родитель или опекун",
                "am": "ወላጅ ወይም አሳዳጊ",
                "fr": "Parent ou personne qui s’occupe d’un enfant",
            },
            "provider": {
                "en": "Childcare or education provider",
                "es": "Profesional de cuidado infantil o educación",
                "he": "עובד/ת במסגרת לגיל הרך או בחינוך",
                "ar": "مقدّم خدمات رعاية أطفال أو تعليم",
                "ru": "Сотрудник детского сада или учебного заведения",
                "am": "የሕፃናት እንክብካቤ ወይም የትምህርት አገልግሎት ሰጪ",
                "fr": "Professionnel de la petite enfance ou de l’éducation",
            },
            "youth": {
                "en": "Young person",
                "es": "Joven",
                "he": "צעיר/ה",
                "ar": "شاب أو شابة",
                "ru": "Молодой человек или девушка",
                "am": "ወጣት",
                "fr": "Jeune",
            },
            "resident": {
                "en": "Resident",
                "es": "Vecino o vecina",
                "he": "תושב/ת",
                "ar": "من سكان الحي",
                "ru": "Житель района",
                "am": "የሰፈሩ ነዋሪ",
                "fr": "Habitant ou habitante",
            },
        },
        "age_bands": {
            "under_18": {
                "en": "Under 18",
                "es": "Menos de 18 años",
                "he": "מתחת לגיל 18",
                "ar": "أقل من 18 سنة",
                "ru": "Младше 18 лет",
                "am": "ከ18 ዓመት በታች",
                "fr": "Moins de 18 ans",
            },
            "18_29": {
                "en": "18–29",
                "es": "18–29 años",
                "he": "18–29",
                "ar": "18–29 سنة",
                "ru": "18–29 лет",
                "am": "18–29 ዓመት",
                "fr": "18–29 ans",
            },
            "30_44": {
                "en": "30–44",
                "es": "30–44 años",
                "he": "30–44",
                "ar": "30–44 سنة",
                "ru": "30–44 года",
                "am": "30–44 ዓመት",
                "fr": "30–44 ans",
            },
            "45_64": {
                "en": "45–64",
                "es": "45–64 años",
                "he": "45–64",
                "ar": "45–64 سنة",
                "ru": "45–64 года",
                "am": "45–64 ዓመት",
                "fr": "45–64 ans",
            },
            "65_plus": {
                "en": "65 or over",
                "es": "65 años o más",
                "he": "65 ומעלה",
                "ar": "65 سنة فأكثر",
                "ru": "65 лет и старше",
                "am": "65 ዓመት እና ከዚያ በላይ",
                "fr": "65 ans ou plus",
            },
        },
        "yes_no_na": {
            "yes": {
                "en": "Yes",
                "es": "Sí",
                "he": "כן",
                "ar": "نعم",
                "ru": "Да",
                "am": "አዎ",
                "fr": "Oui",
            },
            "no": {
                "en": "No",
                "es": "No",
                "he": "לא",
                "ar": "لا",
                "ru": "Нет",
                "am": "አይ",
                "fr": "Non",
            },
            "not_applicable": {
                "en": "Not applicable",
                "es": "No aplica",
                "he": "לא רלוונטי",
                "ar": "لا ينطبق",
                "ru": "Не относится ко мне",
                "am": "አይመለከተኝም",
                "fr": "Sans objet",
            },
        },
    },
}

SURVEY_CONSTRAINT_MESSAGES = {
    "children_under_6": {
        "en": "Enter a number from 0 to 15.",
        "es": "Introduzca un número del 0 al 15.",
        "he": "יש להזין מספר בין 0 ל-15.",
        "ar": "أدخل رقمًا من 0 إلى 15.",
        "ru": "Введите число от 0 до 15.",
        "am": "ከ0 እስከ 15 ያለ ቁጥር ያስገቡ።",
        "fr": "Saisissez un nombre entre 0 et 15.",
    },
}
