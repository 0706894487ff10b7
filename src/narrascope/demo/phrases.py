"""Sentence material for the demo corpus, in English and Persian, written for this project.

Everything here is fictional: cities are real place names, but people, teams, events and numbers are
invented. Filler sentences are *frame-free*: they never contain a planted frame term, an unlisted co-term,
or anything that normalises to one (a test checks this), so a post carries a frame exactly when the
generator planted a frame sentence in it. Templates put a slot every few words so that two unrelated posts
built from the same templates still share few word 5-grams.

Slots: {city} {city2} {person} {org} {n} {m} {big} {pct} {mag} {day} {item} {place} {field} {team};
frame sentences add {term}, co-term sentences {co}.
"""

from __future__ import annotations

LANGS = ("en", "fa")

SLOTS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "city": (
            "Tehran", "Isfahan", "Shiraz", "Tabriz", "Mashhad", "Rasht", "Kerman", "Yazd", "Ahvaz", "Karaj",
            "Qazvin", "Hamadan", "Zanjan", "Ardabil", "Sari", "Gorgan", "Bandar Abbas", "Bushehr", "Urmia",
            "Sanandaj", "Kermanshah", "Khorramabad", "Zahedan", "Birjand", "Semnan", "Qom", "Kashan", "Arak",
        ),
        "first": (
            "Mara", "Tobias", "Leyla", "Dariush", "Nadia", "Kian", "Elena", "Omid", "Sahar", "Farid", "Lina",
            "Arash", "Mina", "Ramin", "Shirin", "Babak", "Parisa", "Navid", "Yasmin", "Cyrus",
        ),
        "last": (
            "Ellison", "Renner", "Arman", "Kavi", "Hosseini", "Tehrani", "Moradi", "Larsen", "Karimi", "Sadeghi",
            "Bahrami", "Nouri", "Fallon", "Rostami", "Ghorbani", "Amini", "Vahidi", "Jalali", "Mirza", "Farahani",
        ),
        "org": (
            "the city council", "the provincial water company", "the Red Crescent", "the chamber of commerce",
            "the meteorological office", "the health ministry", "the transport authority", "the farmers' union",
            "the central bank", "the education department", "the environment agency", "the statistics centre",
            "the housing foundation", "the bakers' guild", "the provincial governorate", "the road maintenance office",
        ),
        "item": (
            "rice", "chicken", "bread", "cooking oil", "eggs", "dairy", "fruit", "sugar", "tea", "cheese",
            "saffron", "pistachios", "tomatoes", "onions", "lentils", "dates",
        ),
        "place": (
            "central library", "city park", "grand bazaar", "museum of contemporary art", "main stadium",
            "railway station", "cultural hall", "old caravanserai", "botanical garden", "concert hall",
            "municipal pool", "science museum",
        ),
        "field": (
            "astronomy", "carpet weaving", "robotics", "calligraphy", "chess", "ceramics", "botany",
            "film editing", "architecture", "poetry", "mathematics", "wrestling", "beekeeping", "puppetry",
        ),
        "team": ("Sepid Rud FC", "Golestan United", "Alborz Athletic", "Karun Stars", "Zagros City", "Caspian Rovers"),
        "day": ("Saturday", "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday"),
    },
    "fa": {
        "city": (
            "تهران", "اصفهان", "شیراز", "تبریز", "مشهد", "رشت", "کرمان", "یزد", "اهواز", "کرج", "قزوین", "همدان",
            "زنجان", "اردبیل", "ساری", "گرگان", "بندرعباس", "بوشهر", "ارومیه", "سنندج", "کرمانشاه", "خرم‌آباد",
            "زاهدان", "بیرجند", "سمنان", "قم", "کاشان", "اراک",
        ),
        "first": (
            "نیلوفر", "بهرام", "لیلا", "داریوش", "نادیا", "کیان", "الهه", "امید", "سحر", "فرید", "لینا", "آرش",
            "مینا", "رامین", "شیرین", "بابک", "پریسا", "نوید", "یاسمن", "کوروش",
        ),
        "last": (
            "کاظمی", "رنجبر", "آرمان", "کاوه", "حسینی", "تهرانی", "مرادی", "لاریجانی", "کریمی", "صادقی",
            "بهرامی", "نوری", "فلاحی", "رستمی", "قربانی", "امینی", "وحیدی", "جلالی", "میرزایی", "فراهانی",
        ),
        "org": (
            "شورای شهر", "شرکت آب استان", "هلال احمر", "اتاق بازرگانی", "اداره هواشناسی", "وزارت بهداشت",
            "سازمان حمل‌ونقل", "اتحادیه کشاورزان", "بانک مرکزی", "اداره آموزش و پرورش", "سازمان محیط زیست",
            "مرکز آمار", "بنیاد مسکن", "اتحادیه نانوایان", "استانداری", "اداره راهداری",
        ),
        "item": (
            "برنج", "مرغ", "نان", "روغن", "تخم‌مرغ", "لبنیات", "میوه", "شکر", "چای", "پنیر", "زعفران", "پسته",
            "گوجه‌فرنگی", "پیاز", "عدس", "خرما",
        ),
        "place": (
            "کتابخانه مرکزی", "پارک شهر", "بازار بزرگ", "موزه هنرهای معاصر", "ورزشگاه اصلی", "ایستگاه راه‌آهن",
            "تالار فرهنگ", "کاروانسرای قدیمی", "باغ گیاه‌شناسی", "تالار موسیقی", "استخر شهرداری", "موزه علوم",
        ),
        "field": (
            "نجوم", "قالی‌بافی", "رباتیک", "خوشنویسی", "شطرنج", "سفالگری", "گیاه‌شناسی", "تدوین فیلم", "معماری",
            "شعر", "ریاضیات", "کشتی", "زنبورداری", "نمایش عروسکی",
        ),
        "team": ("سپیدرود", "گلستان", "البرز", "ستارگان کارون", "زاگرس", "کاسپین"),
        "day": ("شنبه", "یکشنبه", "دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه"),
    },
}

FILLER: dict[str, tuple[str, ...]] = {
    "en": (
        "{org} officials in {city} said on {day} that {n} new bus lines would open before the end of the season.",
        "The price of {item} at wholesale markets in {city} went up by {pct} percent this week, according to {person}.",
        "{person}, a teacher from {city}, told us that classes for {n} pupils had moved to the afternoon shift.",
        "Heavy rain closed {n} roads around {city} on {day}, and crews from {org} were still clearing mud by nightfall.",
        "At the {place} in {city}, {big} visitors queued for a weekend exhibition of {field} photography.",
        "{team} beat their rivals {n}-{m} in {city} on {day}; coach {person} praised the young goalkeeper.",
        "A report from {org} estimates that {pct} percent of households in {city} now buy {item} in instalments.",
        "Power cuts of up to {n} hours a day hit the industrial zone east of {city}, {person} wrote in a letter.",
        "{org} announced {big} new scholarships in {field}, with applications open until {day}.",
        "Doctors at the main hospital in {city} treated {n} people for heat exhaustion over {day} night.",
        "Rents in northern {city} have risen {pct} percent since spring, and {person} says a small flat costs {big} dollars.",
        "Farmers near {city} expect a smaller {item} harvest after {n} weeks without rain, {org} warned.",
        "In an interview on {day}, {person} described the new {field} curriculum as overdue and underfunded.",
        "Traffic police in {city} issued {big} fines in one week, most of them for red lights near the {place}.",
        "A fire at a warehouse storing {item} outside {city} was put out after {n} hours; nobody was hurt, {org} said.",
        "The {place} in {city} will reopen on {day} after {n} months of repairs paid for by local donors.",
        "{person} has written {n} books about {field}, and the newest one sold out in {city} within a week.",
        "Bakers in {city} say flour costs have doubled, so a loaf sells for {big} tomans at shops near the {place}.",
        "{org} counted {big} migratory birds at the wetlands south of {city}, {pct} percent more than last year.",
        "Students in {city} held a {field} fair on {day} with {n} stalls and a small orchestra.",
        "The exchange rate touched {big} on {day}, and shopkeepers in {city} relabelled {item} prices within hours.",
        "Water reserves behind the dam near {city} stand at {pct} percent of capacity, {person} of {org} said.",
        "A new metro station opened next to the {place} in {city}, shortening the commute of about {big} people.",
        "{person} from {city} won the national {field} championship after {n} rounds that lasted until midnight.",
        "Pharmacies in {city} report shortages of {n} common medicines, and {org} promised deliveries by {day}.",
        "Air pollution kept schools in {city} closed on {day}; the index reached {big} in the southern districts.",
        "Taxi drivers in {city} asked {org} for a fare rise of {pct} percent to cover spare parts.",
        "{person} opened a small {item} shop near the {place} in {city} and now employs {n} neighbours.",
        "The film festival in {city} screened {n} short films on {day}; a documentary on {field} won the audience prize.",
        "{org} said {big} applications for housing loans arrived in {city} during the first week.",
        "An earthquake of magnitude {mag} shook villages near {city} on {day}; {org} reported damage to {n} homes.",
        "Our correspondent {person} spent {n} days on trains between {city} and {city2} visiting rural clinics.",
        "Exports of {item} through the port near {city} fell {pct} percent last quarter, customs data show.",
        "Volunteers in {city} collected {big} books for village libraries, {person} said at the {place} on {day}.",
        "A bridge linking {city} and {city2} carried {big} cars on its first day, {org} said.",
        "{person} wants {n} more nurses at the clinic in {city}, where the queue starts before dawn on {day}.",
    ),
    "fa": (
        "مسئولان {org} در {city} روز {day} اعلام کردند که {n} خط اتوبوس جدید تا پایان فصل راه‌اندازی می‌شود.",
        "قیمت {item} در بازار عمده‌فروشی {city} این هفته {pct} درصد بالا رفت، به گفته {person}.",
        "{person}، معلمی از {city}، به ما گفت که کلاس‌های {n} دانش‌آموز به نوبت بعدازظهر منتقل شده است.",
        "باران شدید روز {day} {n} جاده اطراف {city} را بست و نیروهای {org} تا شب مشغول پاک‌کردن گل و لای بودند.",
        "در {place} {city}، {big} بازدیدکننده برای نمایشگاه آخر هفته عکاسی {field} صف کشیدند.",
        "تیم {team} روز {day} در {city} با نتیجه {n} بر {m} حریف را شکست داد و {person} از دروازه‌بان جوان تقدیر کرد.",
        "گزارش {org} نشان می‌دهد {pct} درصد خانوارهای {city} اکنون {item} را قسطی می‌خرند.",
        "{person} در نامه‌ای نوشت که خاموشی‌های {n} ساعته شهرک صنعتی شرق {city} را فلج کرده است.",
        "{org} از اعطای {big} بورسیه تازه در رشته {field} خبر داد و مهلت ثبت‌نام را تا {day} اعلام کرد.",
        "پزشکان بیمارستان اصلی {city} شب {day} {n} نفر را به دلیل گرمازدگی درمان کردند.",
        "اجاره‌بها در شمال {city} از بهار {pct} درصد بالا رفته و به گفته {person} یک آپارتمان کوچک ماهانه {big} هزار تومان است.",
        "{org} هشدار داد که کشاورزان اطراف {city} پس از {n} هفته بی‌بارانی برداشت کمتری از {item} خواهند داشت.",
        "{person} در گفت‌وگویی در روز {day} برنامه درسی جدید {field} را دیرهنگام و کم‌بودجه خواند.",
        "پلیس راهور {city} در یک هفته {big} برگ جریمه صادر کرد که بیشترشان برای چراغ قرمز نزدیک {place} بود.",
        "آتش‌سوزی انبار {item} در حومه {city} پس از {n} ساعت مهار شد و به گفته {org} کسی آسیب ندید.",
        "{place} {city} پس از {n} ماه تعمیر با کمک نیکوکاران محلی روز {day} دوباره باز می‌شود.",
        "{person} تا کنون {n} کتاب درباره {field} نوشته و تازه‌ترین آن در {city} ظرف یک هفته نایاب شد.",
        "نانواهای {city} می‌گویند قیمت آرد دو برابر شده و یک نان در مغازه‌های نزدیک {place} {big} تومان است.",
        "{org} در تالاب‌های جنوب {city} {big} پرنده مهاجر شمرد که {pct} درصد بیشتر از سال گذشته است.",
        "دانشجویان {city} روز {day} نمایشگاهی درباره {field} با {n} غرفه و یک گروه موسیقی کوچک برپا کردند.",
        "نرخ ارز روز {day} به {big} رسید و مغازه‌داران {city} در چند ساعت برچسب قیمت {item} را عوض کردند.",
        "{person} از {org} گفت ذخیره آب سد نزدیک {city} به {pct} درصد ظرفیت رسیده است.",
        "ایستگاه مترو تازه‌ای کنار {place} {city} افتتاح شد و رفت‌وآمد حدود {big} نفر را کوتاه‌تر کرد.",
        "{person} از {city} پس از {n} دور مسابقه که تا نیمه‌شب طول کشید، قهرمان کشوری {field} شد.",
        "داروخانه‌های {city} از کمبود {n} قلم داروی رایج خبر می‌دهند و {org} وعده داده تا {day} دارو برسد.",
        "آلودگی هوا روز {day} مدارس {city} را تعطیل کرد و شاخص در مناطق جنوبی به {big} رسید.",
        "رانندگان تاکسی {city} از {org} خواستند کرایه را {pct} درصد بالا ببرد تا هزینه قطعات یدکی جبران شود.",
        "{person} مغازه کوچک {item} فروشی نزدیک {place} {city} باز کرده و اکنون {n} همسایه را به کار گرفته است.",
        "جشنواره فیلم {city} روز {day} {n} فیلم کوتاه نمایش داد و مستندی درباره {field} جایزه تماشاگران را برد.",
        "{org} گفت در هفته نخست {big} درخواست وام مسکن در {city} ثبت شده است.",
        "زمین‌لرزه‌ای به بزرگی {mag} روز {day} روستاهای اطراف {city} را لرزاند و {org} از آسیب به {n} خانه خبر داد.",
        "خبرنگار ما {person} {n} روز با قطار میان {city} و {city2} سفر کرد تا از درمانگاه‌های روستایی گزارش بدهد.",
        "صادرات {item} از بندر نزدیک {city} در فصل گذشته {pct} درصد کم شد، بر پایه آمار گمرک.",
        "داوطلبان {city} {big} جلد کتاب برای کتابخانه‌های روستایی جمع کردند، {person} روز {day} در {place} گفت.",
        "پلی که {city} را به {city2} وصل می‌کند در نخستین روز {big} خودرو را از خود گذراند، به گفته {org}.",
        "{person} می‌خواهد {n} پرستار دیگر به درمانگاه {city} بیاید، جایی که صف روز {day} پیش از سپیده شروع می‌شود.",
    ),
}

HEADLINES: dict[str, tuple[str, ...]] = {
    "en": (
        "{city}: {n} new bus lines promised by {day}",
        "{item} prices climb {pct}% in {city}",
        "Storm closes {n} roads around {city}",
        "{person} on the future of {field} in {city}",
        "Water reserves near {city} fall to {pct}%",
        "{big} visitors at the {place} in {city}",
        "Clinics between {city} and {city2}: a report",
        "{city} counts the cost of {n} days of power cuts",
        "Housing loans: {big} applications in {city}",
        "Quake of magnitude {mag} near {city}",
    ),
    "fa": (
        "{city}: وعده {n} خط اتوبوس تازه تا {day}",
        "افزایش {pct} درصدی قیمت {item} در {city}",
        "توفان {n} جاده اطراف {city} را بست",
        "{person} از آینده {field} در {city} می‌گوید",
        "ذخیره آب سد {city} به {pct} درصد رسید",
        "{big} بازدیدکننده در {place} {city}",
        "درمانگاه‌های میان {city} و {city2}: یک گزارش",
        "{city} و هزینه {n} روز خاموشی",
        "وام مسکن: {big} درخواست در {city}",
        "زمین‌لرزه {mag} ریشتری در نزدیکی {city}",
    ),
}

DATELINE = {"en": "{CITY} —", "fa": "{city} -"}

# Sentences that plant a frame term ({term}); one frame each, nothing from the other frame.
FRAME_SENTENCES: dict[str, dict[str, tuple[str, ...]]] = {
    "resistance": {
        "en": (
            "On {day}, {n} people in {city} chanted slogans of {term}, witnesses told {person}.",
            "Graffiti reading “{term}” appeared on {n} walls in {city} overnight.",
            "A statement shared by {person} called on workers in {city} to strike on {day} in the name of {term}.",
            "“This is about {term},” said a student in {city} who gave only her first name.",
            "Videos from {city} show {n} people marching after dark, with captions celebrating {term}.",
            "{person} wrote after {n} nights of protest in {city} that {term} can no longer be ignored.",
            "Our sources in {city} say {term} is the main topic at the {place} this week.",
            "Posters about {term} were taped to {n} bus stops near the {place} in {city}.",
            "Truck drivers near {city} honked for {n} minutes on {day} in support of {term}.",
            "A banner praising {term} hung from a bridge in {city} until police removed it on {day}.",
            "{n} shop owners in {city} closed early on {day}, and leaflets left at their doors mentioned {term}.",
            "Families gathered at the {place} in {city} sang songs about {term}, {person} reported.",
        ),
        "fa": (
            "روز {day} {n} نفر در {city} شعارهایی درباره {term} سر دادند، به گفته شاهدان.",
            "شب گذشته روی {n} دیوار در {city} نوشته شده بود «{term}».",
            "بیانیه‌ای که {person} منتشر کرد کارگران {city} را به نام {term} به اعتصاب در روز {day} فراخواند.",
            "دانشجویی در {city} گفت: «حرف ما {term} است.»",
            "ویدیوهای رسیده از {city} راهپیمایی {n} نفر پس از تاریکی را نشان می‌دهد و زیرنویس‌ها از {term} یاد می‌کنند.",
            "{person} پس از {n} شب اعتراض در {city} یادداشت کرد که دیگر نمی‌توان {term} را نادیده گرفت.",
            "منابع ما در {city} می‌گویند این هفته {term} موضوع اصلی گفت‌وگو در {place} است.",
            "پوسترهایی درباره {term} روی {n} ایستگاه اتوبوس نزدیک {place} {city} چسبانده شده بود.",
            "رانندگان کامیون نزدیک {city} روز {day} به حمایت از {term} {n} دقیقه بوق زدند.",
            "پارچه‌نوشته‌ای در ستایش {term} از پلی در {city} آویزان بود تا پلیس روز {day} آن را پایین آورد.",
            "{n} مغازه‌دار در {city} روز {day} زودتر کرکره را پایین کشیدند و برگه‌هایی درباره {term} جلوی درها پخش شد.",
            "خانواده‌هایی که در {place} {city} گرد آمده بودند سرودهایی درباره {term} خواندند، {person} گزارش داد.",
        ),
    },
    "sedition": {
        "en": (
            "Officials in {city} blamed {term} for the damage to {n} shops near the {place}.",
            "The governor of {city} said on {day} that {term} would face the full force of the law.",
            "State television showed {n} minutes of footage it said exposed {term} in {city}.",
            "A commentary read on {day} warned families in {city} against {term}.",
            "According to {org}, {term} were behind the fire at {n} bank branches in {city}.",
            "The Friday prayer leader of {city} spoke about {term} and the duty to stay calm.",
            "Police in {city} said the events of {day} bore the marks of {term}.",
            "Shopkeepers near the {place} in {city} were urged to report {term} to the authorities.",
            "A judge in {city} sentenced {n} people on {day} for links to {term}.",
            "{person}, a member of parliament from {city}, demanded tougher measures against {term}.",
            "Checkpoints were set up at {n} entrances to {city} to keep out {term}, officials said.",
            "A rally in {city} on {day} condemned {term}, and organisers counted {big} participants.",
        ),
        "fa": (
            "مسئولان در {city} خسارت {n} مغازه نزدیک {place} را به گردن {term} انداختند.",
            "استاندار {city} روز {day} گفت با {term} با قاطعیت برخورد خواهد شد.",
            "تلویزیون دولتی {n} دقیقه تصویر پخش کرد که به گفته آن نقش {term} را در {city} نشان می‌دهد.",
            "در تفسیری که روز {day} خوانده شد به خانواده‌های {city} درباره {term} هشدار داده شد.",
            "به گفته {org}، {term} پشت آتش زدن {n} شعبه بانک در {city} بوده‌اند.",
            "امام جمعه {city} درباره {term} و وظیفه حفظ آرامش سخن گفت.",
            "پلیس {city} گفت رویدادهای روز {day} نشانه‌های {term} را داشت.",
            "از کاسبان نزدیک {place} {city} خواسته شد {term} را به مقامات گزارش کنند.",
            "قاضی‌ای در {city} روز {day} {n} نفر را به اتهام ارتباط با {term} محکوم کرد.",
            "{person}، نماینده {city} در مجلس، خواستار سخت‌گیری بیشتر در برابر {term} شد.",
            "به گفته مقامات، در {n} ورودی {city} ایست بازرسی برپا شد تا جلوی {term} گرفته شود.",
            "راهپیمایی روز {day} در {city} {term} را محکوم کرد و برگزارکنندگان شمار شرکت‌کنندگان را {big} نفر اعلام کردند.",
        ),
    },
}

# Hard cases (only in channels flagged detector_exact: false).
# Paraphrases carry the frame without any listed term: a lexicon misses them.
PARAPHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    "resistance": {
        "en": (
            "People in {city} say they want the whole system gone, not reformed, {person} reported.",
            "Night after night the young people of {city} return to the streets and say they will stay until the old order falls.",
            "{n} neighbourhoods of {city} have formed their own protest committees, a movement that is here to stay.",
        ),
        "fa": (
            "مردم {city} می‌گویند کل این نظام باید برود، نه اینکه اصلاح شود، {person} گزارش داد.",
            "جوانان {city} شب به شب به خیابان برمی‌گردند و می‌گویند تا فروریختن نظم کهنه به خانه نمی‌روند.",
            "{n} محله در {city} کمیته‌های اعتراضی خود را ساخته‌اند؛ نشانه جنبشی که ماندنی است.",
        ),
    },
    "sedition": {
        "en": (
            "Officials in {city} said a handful of troublemakers paid from abroad damaged {n} shops.",
            "State television said the unrest in {city} was planned in foreign capitals and carried out by misled youths.",
            "The governor of {city} said the people who burned {n} bins were misguided and used by outsiders.",
        ),
        "fa": (
            "مسئولان {city} گفتند چند اخلالگر که از خارج پول گرفته بودند به {n} مغازه خسارت زدند.",
            "تلویزیون دولتی گفت ناآرامی‌های {city} در پایتخت‌های خارجی طراحی و به دست جوانان فریب‌خورده اجرا شد.",
            "استاندار {city} گفت کسانی که {n} سطل زباله را آتش زدند فریب خورده‌اند و ابزار بیگانگان شده‌اند.",
        ),
    },
}

# Decoys: a listed term inside an unrelated name. A lexicon counts them, but they do not carry the frame.
DECOYS: dict[str, dict[str, tuple[str, ...]]] = {
    "resistance": {
        "en": (
            "Tickets for the Uprising Jazz Festival in {city} sold out within {n} hours.",
            "Freedom Fighters FC, an amateur football club from {city}, has now won {n} matches in a row.",
        ),
        "fa": (
            "بلیت‌های جشنواره موسیقی «خیزش» در {city} ظرف {n} ساعت فروش رفت.",
            "باشگاه کوهنوردی خیزش {city} {n} عضو تازه پذیرفت.",
        ),
    },
    "sedition": {
        "en": (
            "“The Hypocrites”, a comedy by a young playwright from {city}, ran for {n} nights.",
            "The crime novel Sedition at Midnight sold {big} copies in {city} last month.",
        ),
        "fa": (
            "نمایش کمدی «منافقین» در تالار شهر {city} {n} شب روی صحنه رفت.",
            "رمان «فتنه نیمه‌شب» با {big} نسخه پرفروش‌ترین کتاب ماه گذشته در {city} بود.",
        ),
    },
}

# Sentences that carry an unlisted co-term ({co}); otherwise frame-free.
CO_SENTENCES: dict[str, tuple[str, ...]] = {
    "en": (
        "Readers from {city} keep writing to us about {co}.",
        "On {day} the talk shows returned again and again to {co}, {person} noted.",
        "A column by {person} this week was simply titled “{co}”.",
        "{n} listeners called in about {co} during the evening programme.",
    ),
    "fa": (
        "خوانندگان ما از {city} همچنان درباره {co} برایمان می‌نویسند.",
        "برنامه‌های گفت‌وگومحور روز {day} بارها به {co} بازگشتند، {person} یادآوری کرد.",
        "ستون این هفته {person} عنوانی کوتاه داشت: «{co}».",
        "{n} شنونده در برنامه عصر درباره {co} تماس گرفتند.",
    ),
}

# Kicker lines that open a post with an unlisted co-term (emoji + phrase, as political channels do).
CO_KICKERS = ("🔴 {co}", "⭕️ {co}", "📌 {co}", "{co} ‼️", "🔻 {co} 🔻")

# Extra sentences a rewrite may add.
ADDED: dict[str, tuple[str, ...]] = {
    "en": (
        "{person} contributed reporting from {city}.",
        "Editor's note: figures updated on {day}.",
        "This report was first published by a partner outlet in {city}.",
    ),
    "fa": (
        "گزارش تکمیلی از {person} در {city}.",
        "یادداشت سردبیر: ارقام روز {day} به‌روز شد.",
        "این گزارش نخست در یکی از رسانه‌های همکار در {city} منتشر شد.",
    ),
}

# Word swaps a light rewrite applies (whole tokens only).
SWAPS: dict[str, dict[str, str]] = {
    "en": {
        "said": "stated", "new": "fresh", "officials": "authorities", "closed": "shut", "small": "little",
        "near": "close to", "after": "following", "people": "residents", "week": "seven days", "told": "informed",
        "report": "study", "announced": "declared", "about": "roughly", "held": "organised", "opened": "launched",
    },
    "fa": {
        "گفت": "اظهار کرد", "جدید": "تازه", "مسئولان": "مقامات", "نزدیک": "کنار", "اکنون": "حالا",
        "حدود": "نزدیک به", "بست": "مسدود کرد", "گزارش": "خبر", "نخست": "اول",
        "کشیدند": "ایستادند", "رسید": "رسیده بود", "شب": "شامگاه", "تازه": "نو",
    },
}

BOILERPLATE: dict[str, tuple[str, ...]] = {
    "en": ("🆔 @{username}", "Join us: @{username}", "👉 Subscribe: @{username}"),
    "fa": ("🆔 @{username}", "به ما بپیوندید: @{username}", "👈 عضو شوید: @{username}"),
}

COPY_SIGNATURE = {"en": "join @{username}", "fa": "👈 join @{username}"}

READ_MORE = {"en": "Read more", "fa": "ادامه مطلب"}

TOPIC_TAGS: dict[str, tuple[str, ...]] = {
    "en": ("#economy", "#weather", "#sports", "#culture", "#health", "#transport", "#housing", "#education"),
    "fa": ("#اقتصاد", "#هواشناسی", "#ورزش", "#فرهنگ", "#سلامت", "#حمل_و_نقل", "#مسکن", "#آموزش"),
}

# Display names of members of the demo discussion group (fictional).
GROUP_MEMBERS = (
    "Sina K.", "Parisa", "Behnam 1990", "Reza M", "ناهید", "کیوان ر", "Golnaz", "مهدی ۷۷", "Ali T", "سارا",
    "Hooman", "فرشته", "Mehrdad", "رویا ن", "Kasra", "پیمان", "Azadeh", "شهاب", "Negin", "حامد",
)

REACTION_EMOJI = ("👍", "❤", "🔥", "😢", "👏", "😡", "🙏", "🤔")
