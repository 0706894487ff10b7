"""Function words for term discovery: short lists for Persian, Arabic and English, written for narrascope.

A frame is carried by content words; prepositions, conjunctions, pronouns, copulas and auxiliaries are frequent
everywhere and, in a small group of messages, rank high by chance (``روی``, ``بود`` topped ``discover`` on the demo).
:func:`~narrascope.frames.discover.discover_terms` leaves out a word in this list, and a phrase that begins or ends
with one (``در تهران``, ``the regime``), but keeps phrases with one inside (``freedom of speech``). Numbers alone are
left out the same way. The lists are deliberately short — the most frequent closed-class words of each language,
chosen by hand — so that no content word a lexicon might want is hidden; pass ``stopwords=False`` to see everything.
Words are compared in the matching form (:func:`~narrascope.text.normalize.normalize`), so spelling variants fold —
and Arabic words fold onto Persian ones: Arabic على, أمام, ضد, كل, غير, جدا, كيف, قد are *not* listed because their
matching forms are Persian content words (the name علی, امام, ضد as in ضد انقلاب, کل, غیر, جدا, کیف, قد); English
"us" and "may" are not listed (US, May).
"""

from __future__ import annotations

from functools import cache

__all__ = ["ARABIC", "ENGLISH", "PERSIAN", "stopwords"]

PERSIAN = """
و در به از که این آن را با است برای تا بر هم نیز یا اما اگر چون چه چرا کجا کی هر همه هیچ یک دو
بود بودند باشد باشند بوده شد شده شود شوند می نمی کرد کردند کند کنند کرده کردن کنیم داد دهد دارد
دارند داشت داشتند داشته خواهد خواهند باید نباید نیست نیستند هست هستند ای ها های ترین تر
او وی ما شما آنها ایشان من تو خود خویش آنان اینها همین همان چنین چنان آنجا اینجا
روی زیر پس پیش بین میان درباره سوی طرف کنار نزد بدون جز مانند مثل برای بی با
هنوز دیگر فقط حتی بسیار خیلی کمی چند چندین نه بله آری اکنون حالا امروز دیروز
زیرا البته ولی لیکن بلکه سپس آنگاه وقتی هنگامی وقتیکه چنانکه اینکه آنکه
"""

ARABIC = """
في من إلى عن مع عند لدى حتى منذ بين تحت فوق خلف حول دون نحو
و أو ثم لكن بل أم إن أن إذا لو لولا كي لم لن لا ما ماذا متى أين هل لقد سوف
هذا هذه ذلك تلك هؤلاء أولئك الذي التي الذين اللذين اللتين هنا هناك
هو هي هم هن أنا نحن أنت أنتم أنتن إياه إياها
كان كانت كانوا يكون تكون يكونون ليس ليست بعض أي أيضا فقط كما مثل عندما بعد قبل
"""

ENGLISH = """
a an the and or but if then else so than that this these those there here
of in on at by for with from to into onto over under about above below between through during before after
against without within upon off out up down again further once
is are was were be been being am do does did doing have has had having will would shall should can could
might must not no nor only own same too very just also
i me my mine myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers
herself it its itself they them their theirs themselves what which who whom whose when where why how
all any both each few more most other some such s t don't doesn't didn't isn't aren't wasn't weren't it's
"""


@cache
def stopwords() -> frozenset[str]:
    """Every listed word in the matching form (Persian, Arabic and English together: scripts do not collide)."""
    from ..text.normalize import normalize

    words = (PERSIAN + ARABIC + ENGLISH).split()
    return frozenset(n for n in (normalize(w).strip() for w in words) if n and " " not in n)
