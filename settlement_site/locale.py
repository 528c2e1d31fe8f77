"""Korean first: the language is the one the user chose in the admin's language menu (Django's
language cookie), else Korean — never guessed from the browser's Accept-Language.

Django's LocaleMiddleware would give an English browser the English catalogue unasked. Our texts
are written in Korean and the finance team reads Korean; an English-speaking integrator or auditor
switches once, and the cookie keeps the choice.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class KoreanFirstLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        languages = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in languages else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
