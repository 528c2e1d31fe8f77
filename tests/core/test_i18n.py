"""Korean everywhere, English available (issue 9): django-unfold ships no translations, so its
strings come from locale/ko; the back office's own strings are written in Korean and get their
English from locale/en. Both catalogs are committed compiled (.mo), since CI may lack gettext."""

import ast
import gettext as gettext_module
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

pytestmark = pytest.mark.django_db

LOCALE = Path(settings.BASE_DIR) / "locale"
CATALOGS = {lang: LOCALE / lang / "LC_MESSAGES" / "django.po" for lang in ("ko", "en")}


KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")$')


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file (header and obsolete ones left out): msgctxt, msgid, msgstr
    (msgstr[0] for plural entries) and whether it is fuzzy."""
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        lines = [line for line in block.splitlines() if line and not line.startswith("#~")]
        if not lines:
            continue
        entry = {"msgctxt": None, "msgid": None, "msgstr": None, "fuzzy": False}
        key = None
        for line in lines:
            if line.startswith("#,"):
                entry["fuzzy"] = entry["fuzzy"] or "fuzzy" in line
                continue
            if line.startswith("#"):
                continue
            match = re.match(
                r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[0\])?|msgstr\[\d+\])\s+(".*")$', line
            )
            if match:
                key = {"msgstr[0]": "msgstr"}.get(match.group(1), match.group(1))
                if key in entry:
                    entry[key] = ast.literal_eval(match.group(2))
                else:
                    key = None  # msgid_plural, msgstr[n > 0]: not checked
            elif key is not None:
                entry[key] += ast.literal_eval(line)
        if entry["msgid"]:
            entries.append(entry)
    return entries


def sidebar_html(client, path="/admin/settlements/transfer/") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


# --- Korean (the default) ---------------------------------------------------------------------


def test_unfold_strings_are_korean_for_a_korean_user(admin_client):
    html = " ".join(sidebar_html(admin_client).split())
    assert 'placeholder="검색어 입력"' in html
    assert "Type to search" not in html
    assert "필터" in html
    assert ">Filters<" not in html
    # Our own strings stay as written: the sidebar in Korean.
    assert "> 파트너 <" in html
    assert "<span>정산건</span>" in html
    assert "Partners" not in html
    assert "Transfers" not in html


def test_korean_is_the_default_language(admin_client):
    response = admin_client.get("/admin/")
    assert response.status_code == 200
    assert response["Content-Language"] == "ko"
    assert '<html lang="ko"' in response.content.decode()


def test_unfold_form_buttons_are_korean(admin_client):
    response = admin_client.get("/admin/policies/contract/add/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "저장 후 계속 편집" in html or "저장 후 새로 추가" in html
    assert "Save and continue editing" not in html
    assert "Save and add another" not in html


# --- English ----------------------------------------------------------------------------------


def test_the_language_cookie_switches_the_admin_to_english(admin_client):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = admin_client.get("/admin/settlements/transfer/")
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    html = " ".join(response.content.decode().split())
    # Sidebar section titles and entries (core.admin.navigation), and the model's names.
    for section in ("Dashboard", "Partners", "Policies", "Settlements", "Payouts", "System"):
        assert f"> {section} <" in html, section
    for entry in ("Partners", "Contracts", "Transfers", "Partner settlements", "API secrets"):
        assert f"<span>{entry}</span>" in html, entry
    assert "Select Transfer to change" in html  # the singular verbose name, in the title
    assert "0 Transfers" in html  # the plural one, under the empty list
    assert 'placeholder="Type to search"' in html
    assert "검색어 입력" not in html
    assert "> 대시보드 <" not in html
    assert "<span>정산건</span>" not in html


def test_posting_to_set_language_switches_to_english_and_back(admin_client):
    response = admin_client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    assert response.status_code == 302
    html = sidebar_html(admin_client, "/admin/partners/partner/")
    assert "Add partner" in html
    assert "Import partners" in html
    assert "파트너 등록" not in html

    admin_client.post("/i18n/setlang/", {"language": "ko", "next": "/admin/"})
    html = sidebar_html(admin_client, "/admin/partners/partner/")
    assert "파트너 등록" in html
    assert "Add partner" not in html


def test_the_browser_language_does_not_switch_to_english(admin_client):
    """Korean first: an English browser still gets Korean until the user picks English."""
    html = admin_client.get(
        "/admin/settlements/partnersettlement/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "지급 보류 정산 내역" in html
    assert "Withheld payouts" not in html


def test_the_language_cookie_switches_to_english(admin_client):
    from django.conf import settings

    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = admin_client.get("/admin/settlements/partnersettlement/").content.decode()
    assert "Partner settlements" in html
    assert "Withheld payouts" in html  # 지급 보류 정산 내역, a sidebar entry
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"  # unknown: Korean
    assert "지급 보류 정산 내역" in admin_client.get("/admin/").content.decode()


# --- the catalogs -------------------------------------------------------------------------------


def test_compiled_catalogs_exist_and_load():
    for lang in ("ko", "en"):
        assert (LOCALE / lang / "LC_MESSAGES" / "django.mo").is_file(), lang
    # Aliases, so that makemessages does not collect these msgids from this file.
    tr, tr_ctx = translation.gettext, translation.pgettext
    with translation.override("en"):
        assert tr("정산건") == "Transfer"
        assert tr_ctx("plural", "정산건") == "Transfers"
        assert tr("수기 정산") == "Manual"
        assert tr("지급 보류") == "Payout withheld"
        assert tr("세금계산서") == "Tax invoices"
    with translation.override("ko"):
        assert tr("Type to search") == "검색어 입력"
        assert tr("Apply Filters") == "필터 적용"
        assert tr("Choose file to upload") == "업로드할 파일 선택"
        assert tr("Save") == "저장"
        # Django's own Korean, corrected (locale/corrections): "보기위한 1%s 를(을) 선택"
        assert tr("Select %s to view") == "%s 보기"
        # A Korean msgid has no Korean catalog entry and reads as written.
        assert tr("정산건") == "정산건"


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_msgid_is_translated_and_none_is_fuzzy(lang):
    entries = read_po(CATALOGS[lang])
    assert len(entries) > 200
    untranslated = [e["msgid"] for e in entries if not (e["msgstr"] or "").strip()]
    fuzzy = [e["msgid"] for e in entries if e["fuzzy"]]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("lang", ["ko", "en", "corrections/ko"])
def test_the_committed_mo_matches_its_po(lang):
    """Whoever edits a .po must compile it too (msgfmt or compilemessages)."""
    folder = LOCALE / lang / "LC_MESSAGES"
    with (folder / "django.mo").open("rb") as fh:
        compiled = gettext_module.GNUTranslations(fh)
    stale = []
    for entry in read_po(folder / "django.po"):
        if entry["msgctxt"] is None:
            got = compiled.gettext(entry["msgid"])
        else:
            got = compiled.pgettext(entry["msgctxt"], entry["msgid"])
        if got != entry["msgstr"]:
            stale.append(entry["msgid"])
    assert stale == []


def test_english_placeholders_match_the_korean_ones():
    """A python-format msgid's %(name)s placeholders must all be in its msgstr."""
    for lang in ("ko", "en"):
        for entry in read_po(CATALOGS[lang]):
            wanted = sorted(re.findall(r"%\(\w+\)[sd]", entry["msgid"]))
            assert sorted(re.findall(r"%\(\w+\)[sd]", entry["msgstr"])) == wanted, entry["msgid"]


def test_the_compiled_catalogs_are_not_git_ignored():
    ignore = (Path(settings.BASE_DIR) / ".gitignore").read_text()
    patterns = [line.strip() for line in ignore.splitlines() if line.strip()]
    assert not any(p in ("*.mo", "locale/", "locale") for p in patterns)
