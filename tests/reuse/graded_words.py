"""Word lists for the graded reuse test set (tests/reuse/graded.py), written for narrascope.

Real function words, real common phrases, and small hand-written lists of real synonyms and phrase paraphrases in
English and Persian. Content words beyond these lists are generated pseudo-words (graded.py): reuse detection
compares hashed tokens, so what matters is how often words and phrases recur, not what they mean.
"""

from __future__ import annotations

FUNCTION: dict[str, tuple[str, ...]] = {
    "en": (
        "the", "of", "and", "to", "a", "in", "is", "that", "for", "it", "as", "was", "with", "be", "by", "on",
        "not", "this", "are", "or", "from", "at", "which", "but", "have", "an", "they", "had", "were", "their",
        "has", "been", "its", "more", "would", "can", "will", "who", "when", "there", "than", "after", "about",
        "these", "into", "all", "other", "some", "could", "only", "most", "between", "over", "such", "while",
        "during", "under", "through", "where", "before",
    ),
    "fa": (
        "و", "در", "به", "از", "که", "این", "را", "با", "است", "برای", "آن", "یک", "خود", "تا", "بر", "هم",
        "نیز", "می‌شود", "شده", "بود", "کرد", "شد", "اما", "یا", "پس", "اگر", "هر", "همه", "دیگر", "بین", "روی",
        "پیش", "درباره", "مانند", "حتی", "توسط", "دارد", "کرده", "باید", "می‌کند", "خواهد", "هیچ", "چند",
        "آنها", "ما", "وی", "او", "بی", "زیر", "کنار", "میان", "سوی", "جز", "چه", "همین", "چنین", "آنکه",
        "هنوز", "دارند",
    ),
}

#: Multi-word expressions that any text may contain (shared by unrelated texts: a precision hazard on purpose).
COMMON_PHRASES: dict[str, tuple[str, ...]] = {
    "en": (
        "one of the most", "at the end of the", "in the middle of", "as well as", "on the other hand",
        "for the first time", "in the last few years", "according to the report", "it is important to note",
        "at the same time", "in the case of", "the rest of the", "a number of", "in addition to the",
        "as a result of", "in terms of", "on the basis of", "by the end of", "it is clear that", "there is no doubt",
        "in the long run", "for a long time", "more than half of the", "in recent years", "at least",
        "in order to", "a large number of", "due to the", "for example", "in the past",
    ),
    "fa": (
        "یکی از مهم‌ترین", "در پایان", "در میان", "و همچنین", "از سوی دیگر", "برای نخستین بار",
        "در چند سال گذشته", "بر اساس گزارش", "باید توجه داشت که", "در همان زمان", "در مورد", "بقیه",
        "تعدادی از", "علاوه بر این", "در نتیجه", "از نظر", "بر پایه", "تا پایان", "روشن است که", "شکی نیست که",
        "در درازمدت", "مدت‌ها", "بیش از نیمی از", "در سال‌های اخیر", "دست‌کم", "به منظور", "تعداد زیادی از",
        "به دلیل", "به عنوان مثال", "در گذشته",
    ),
}

#: Phrase paraphrases (either direction): a reviser's rewording of a stock phrase.
PARAPHRASES: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (
        ("in order to", "to"), ("a large number of", "many"), ("at the same time", "simultaneously"),
        ("as a result of", "because of"), ("in addition to the", "besides the"), ("due to the", "owing to the"),
        ("for example", "for instance"), ("in the past", "previously"), ("at least", "no fewer than"),
        ("in recent years", "lately"), ("it is clear that", "clearly"), ("there is no doubt", "undoubtedly"),
        ("one of the most", "among the most"), ("for the first time", "first"), ("a number of", "several"),
        ("in the long run", "eventually"), ("more than half of the", "most of the"), ("in terms of", "regarding"),
        ("according to the report", "the report says"), ("on the other hand", "by contrast"),
        ("at the end of the", "when the"), ("in the middle of", "amid"), ("by the end of", "before"),
    ),
    "fa": (
        ("به منظور", "برای"), ("تعداد زیادی از", "بسیاری از"), ("در همان زمان", "همزمان"), ("در نتیجه", "بنابراین"),
        ("علاوه بر این", "افزون بر این"), ("به دلیل", "به علت"), ("به عنوان مثال", "برای نمونه"),
        ("در گذشته", "پیش‌تر"), ("دست‌کم", "حداقل"), ("در سال‌های اخیر", "این سال‌ها"), ("روشن است که", "پیداست که"),
        ("شکی نیست که", "بی‌تردید"), ("یکی از مهم‌ترین", "از مهم‌ترین"), ("برای نخستین بار", "نخستین بار"),
        ("تعدادی از", "چندین"), ("در درازمدت", "سرانجام"), ("بیش از نیمی از", "بیشتر"), ("از نظر", "از لحاظ"),
        ("بر اساس گزارش", "به گزارش"), ("از سوی دیگر", "در مقابل"), ("در پایان", "سرانجام"), ("در میان", "میان"),
        ("تا پایان", "پیش از پایان"),
    ),
}

#: Real synonyms a reviser swaps (either direction); sources use both members.
SYNONYMS: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (
        ("big", "large"), ("small", "little"), ("said", "stated"), ("show", "demonstrate"), ("help", "assist"),
        ("use", "employ"), ("begin", "start"), ("end", "finish"), ("buy", "purchase"), ("get", "obtain"),
        ("important", "significant"), ("enough", "sufficient"), ("often", "frequently"), ("maybe", "perhaps"),
        ("about", "approximately"), ("people", "individuals"), ("main", "principal"), ("quick", "fast"),
        ("need", "require"), ("try", "attempt"), ("many", "numerous"), ("because", "since"), ("however", "but"),
        ("whole", "entire"), ("idea", "concept"), ("way", "method"), ("part", "portion"), ("area", "region"),
        ("country", "nation"), ("answer", "reply"), ("choose", "select"), ("build", "construct"),
        ("change", "alter"), ("hard", "difficult"), ("easy", "simple"), ("rich", "wealthy"), ("close", "near"),
        ("shut", "closed"), ("reach", "arrive at"), ("keep", "retain"), ("allow", "permit"), ("ask", "inquire"),
        ("also", "too"), ("mostly", "largely"), ("rise", "increase"), ("fall", "decline"), ("goal", "aim"),
        ("result", "outcome"), ("reason", "cause"), ("famous", "well known"), ("old", "former"),
        ("new", "novel"), ("report", "account"), ("leader", "head"), ("city", "town"), ("job", "post"),
    ),
    "fa": (
        ("بزرگ", "عظیم"), ("کوچک", "خرد"), ("گفت", "اظهار کرد"), ("نشان داد", "آشکار کرد"), ("کمک", "یاری"),
        ("استفاده", "بهره‌برداری"), ("شروع", "آغاز"), ("پایان", "انتها"), ("خرید", "ابتیاع"), ("مهم", "حائز اهمیت"),
        ("کافی", "بسنده"), ("اغلب", "غالباً"), ("شاید", "احتمالاً"), ("حدود", "تقریباً"), ("مردم", "اهالی"),
        ("اصلی", "عمده"), ("سریع", "تند"), ("نیاز", "احتیاج"), ("تلاش", "کوشش"), ("بسیار", "خیلی"),
        ("زیرا", "چون"), ("ولی", "لیکن"), ("تمام", "کل"), ("اندیشه", "فکر"), ("روش", "شیوه"), ("بخش", "قسمت"),
        ("منطقه", "ناحیه"), ("کشور", "مملکت"), ("پاسخ", "جواب"), ("انتخاب", "گزینش"), ("ساخت", "احداث"),
        ("تغییر", "دگرگونی"), ("دشوار", "سخت"), ("آسان", "ساده"), ("ثروتمند", "دارا"), ("نزدیک", "قریب"),
        ("اجازه", "رخصت"), ("پرسید", "سؤال کرد"), ("افزایش", "رشد"), ("کاهش", "افت"), ("هدف", "مقصود"),
        ("نتیجه", "پیامد"), ("دلیل", "علت"), ("مشهور", "معروف"), ("قدیمی", "کهنه"), ("تازه", "جدید"),
        ("گزارش", "خبر"), ("رهبر", "رئیس"), ("شهر", "شهرستان"), ("کار", "شغل"), ("اکنون", "حالا"),
        ("همچنین", "به علاوه"), ("سپس", "بعد"), ("نخست", "اول"), ("مشکل", "معضل"),
    ),
}

#: Sentence joiners used when a reviser merges two sentences, and fillers inserted into sentences.
JOINERS: dict[str, tuple[str, ...]] = {
    "en": ("and", "while", "whereas", "so"),
    "fa": ("و", "در حالی که", "ولی", "بنابراین"),
}
FILLERS: dict[str, tuple[str, ...]] = {
    "en": ("indeed", "in fact", "notably", "of course", "actually", "in particular", "above all", "still"),
    "fa": ("در واقع", "البته", "به‌ویژه", "اساساً", "در حقیقت", "به خصوص", "هنوز", "اصولاً"),
}

#: Letters pseudo-words are made of (Persian words get an occasional ZWNJ plural suffix).
ONSETS: dict[str, tuple[str, ...]] = {
    "en": ("b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "st", "tr", "pl", "br",
           "ch", "sh", "gr", "cl"),
    "fa": ("ب", "پ", "ت", "د", "ر", "ز", "س", "ش", "ف", "ک", "گ", "ل", "م", "ن", "ه", "ج", "خ", "ق", "غ", "ح"),
}
VOWELS: dict[str, tuple[str, ...]] = {
    "en": ("a", "e", "i", "o", "u", "ea", "ai", "ou", "io"),
    "fa": ("ا", "و", "ی", "", "", "ا"),
}
CODAS: dict[str, tuple[str, ...]] = {
    "en": ("", "n", "r", "s", "t", "l", "m", "nd", "st", "ck", "ng"),
    "fa": ("", "ن", "ر", "س", "ت", "ل", "م", "ش", "د", "ک"),
}
