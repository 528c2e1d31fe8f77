#!/bin/sh
# Refresh both catalogs from the sources, then compile them (see locale/README.md).
# Needs GNU gettext (xgettext, msgmerge, msgcat, msgattrib, msgfilter, msgfmt).
# New msgids arrive untranslated, or fuzzy with msgmerge's guess (often wrong: review each);
# tests/core/test_i18n.py fails until each has its msgstr and none is fuzzy.
set -eu
cd "$(dirname "$0")/.."
PY="$PWD/.venv/bin/python"
DJANGO_ADMIN="$PWD/.venv/bin/django-admin"
KO=locale/ko/LC_MESSAGES/django.po

# en: the project's own strings, written in Korean.
"$PY" manage.py makemessages -l en --ignore=.venv --ignore=var --ignore=tests --no-obsolete

# ko: django-unfold and django-simple-history (no Korean catalogs), plus what
# django-import-export's Korean catalog leaves untranslated or fuzzy.
SITE=$("$PY" -c "import os, unfold; print(os.path.dirname(os.path.dirname(unfold.__file__)))")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
for pkg in unfold simple_history import_export; do
    cp -r "$SITE/$pkg" "$TMP/$pkg"
    mkdir -p "$TMP/$pkg/locale"
    (cd "$TMP/$pkg" && "$DJANGO_ADMIN" makemessages -l ko --no-obsolete >/dev/null)
done
IE="$TMP/import_export/locale/ko/LC_MESSAGES/django.po"
msgattrib --untranslated "$IE" -o "$TMP/ie-untranslated.po"
msgattrib --only-fuzzy --clear-fuzzy --clear-previous "$IE" -o "$TMP/ie-fuzzy.po"
msgcat --use-first \
    "$TMP/unfold/locale/ko/LC_MESSAGES/django.po" \
    "$TMP/simple_history/locale/ko/LC_MESSAGES/django.po" \
    "$TMP/ie-untranslated.po" "$TMP/ie-fuzzy.po" -o "$TMP/all.po"
msgattrib --clear-fuzzy --no-location "$TMP/all.po" -o "$TMP/all-clear.po"
msgfilter --keep-header -i "$TMP/all-clear.po" -o "$TMP/ko.pot" sed -e d
sed -i "/^\"POT-Creation-Date:/d" "$TMP/ko.pot"  # no date churn in the Korean catalog
msgmerge --quiet --no-fuzzy-matching --no-location "$KO" "$TMP/ko.pot" -o "$TMP/merged.po"
msgattrib --no-obsolete "$TMP/merged.po" -o "$KO"

"$PY" manage.py compilemessages -l ko -l en --ignore=.venv --ignore=var
