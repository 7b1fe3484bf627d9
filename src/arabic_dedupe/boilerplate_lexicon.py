"""Phrases that mark a line as page furniture (menus, widgets, related links, credits): data only.

In original spelling; boilerplate.py matches them on normalize() of the line with symbols stripped at both ends.
"""

# Normalized and stripped, "اقرأ أيضاً:" and "Comments are closed." match their entries.

# fmt: off
RELATED_HEADERS = (
    "اقرأ أيضا", "اقرأ أيضاً", "إقرأ أيضا", "اقرأ كذلك", "اقرأ المزيد", "إقرأ المزيد",
    "أخبار متعلقة", "أخبار ذات صلة", "أخبار ذات علاقة", "مقالات ذات صلة", "مقالات متعلقة",
    "مواضيع ذات صلة", "مواضيع متعلقة", "موضوعات ذات صلة", "قد يهمك", "قد يهمك أيضا",
    "قد يعجبك", "قد يعجبك أيضا", "شاهد أيضا", "شاهد أيضاً", "اخترنا لك", "الأكثر قراءة",
    "الأكثر مشاهدة", "الأكثر تداولا", "الأكثر تعليقا", "الأكثر شعبية", "المزيد من الأخبار",
    "أخبار أخرى", "التعليقات", "تعليقات", "تعليقات القراء",
    "related", "related posts", "related articles", "related news", "related stories",
    "read also", "see also", "you may also like", "you might also like", "most read",
    "most popular", "more stories", "recommended", "comments", "trending",
)

NAVIGATION_LABELS = (
    "مباشر", "بث مباشر", "أين يمكنك متابعتنا", "أقسام مهمة", "الأقسام", "الرئيسية",
    "الصفحة الرئيسية", "أخبار", "آخر الأخبار", "أخر الأخبار", "الوسوم", "وسوم",
    "الكلمات المفتاحية", "كلمات مفتاحية", "اظهر المزيد", "عرض المزيد", "تحميل المزيد",
    "المزيد", "زر الذهاب إلى الأعلى", "العودة إلى الأعلى", "إلى الأعلى",
    "إغلاق", "التالي", "السابق", "الخبر التالي", "الخبر السابق", "المقال التالي",
    "المقال السابق", "من نحن", "اتصل بنا", "سياسة الخصوصية",
    "شروط الاستخدام", "أعلن معنا", "خريطة الموقع", "about us", "contact us", "privacy policy",
    "terms of use", "sitemap",
    "stories", "home", "menu", "search", "close", "next", "previous", "next previous",
    "load more", "show more", "read more", "more", "tags", "back to top", "skip to content",
    "live", "videos", "sections", "advertisement",
)

WIDGET_LINES = (
    "شارك", "شارك الخبر", "شارك المقال", "شارك هذا المقال", "مشاركة", "مشاركة الخبر",
    "تابعونا", "تابعنا", "طباعة", "اطبع", "أرسل لصديق", "إرسال لصديق", "تسجيل الدخول",
    "تسجيل الخروج", "إنشاء حساب", "اشترك", "اشترك الآن", "النشرة البريدية", "أضف تعليق",
    "أضف تعليقك", "اترك تعليقا", "اترك تعليقاً", "لا توجد تعليقات", "لا يوجد تعليقات",
    "التعليقات مغلقة", "إعلان", "نسخ الرابط", "رابط مختصر",
    "comments are closed", "leave a comment", "leave a reply", "no comments yet",
    "cancel reply", "post comment", "share", "share this", "share this article", "tweet",
    "print", "email", "follow us", "log in", "login", "sign in", "sign up", "register",
    "subscribe", "newsletter", "like", "reply",
)

# Agencies and photo services named at the end of a photo caption ("... / Name / Reuters").
PHOTO_AGENCIES = (
    "رويترز", "أ ف ب", "فرانس برس", "الأناضول", "أسوشيتد برس", "د ب أ", "سبوتنيك", "تاس",
    "واس", "getty images", "getty", "reuters", "afp", "ap", "epa", "anadolu", "sputnik",
    "tass", "shutterstock", "dpa",
)

# Phrases that make a line furniture when they open it (followed by ":" or "-" for links,
# tags and credits) or, for counters, follow a number.
RELATED_LINK_OPENERS = ("اقرأ أيضا", "اقرأ كذلك", "اقرأ المزيد", "شاهد أيضا", "read also",
                        "see also", "read more")
TAG_LIST_OPENERS = ("الوسوم", "وسوم", "الكلمات المفتاحية", "كلمات مفتاحية", "التصنيفات",
                    "tags", "tagged", "posted in", "categories")
COUNTED_THINGS = ("خبر", "أخبار", "تعليق", "تعليقات", "مشاهدة", "مشاهدات", "مشاركة",
                  "comment", "comments", "view", "views", "share", "shares")
WIDGET_OPENERS = ("تابعونا", "تابعنا", "تابعوا", "follow us", "share on", "شارك على",
                  "شارك عبر", "copyright")
COPYRIGHT_PHRASES = ("جميع الحقوق محفوظة", "كل الحقوق محفوظة", "حقوق النشر محفوظة",
                     "all rights reserved", "©")
CONTACT_LABELS = ("twitter", "تويتر", "email", "البريد الإلكتروني")
CREDIT_OPENERS = ("تصوير", "عدسة", "الصورة", "صورة", "الصور", "photo", "photos", "image",
                  "credit", "picture")
ARCHIVE_CAPTIONS = ("صورة أرشيفية", "أرشيفية", "صورة من الأرشيف", "أرشيف", "file photo")
SOURCE_OPENERS = ("المصدر", "source")
# fmt: on
