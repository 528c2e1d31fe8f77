"""Hostile spreadsheets are refused with a clear message before any reader builds them
(core.files.sheets; docs/api.md#limits). The files are made here, byte by byte: a minimal XLSX
is five small XML parts in a zip.

Without the checks, the first of them (1.5 KB, a cell at A1 and one at XFD1048576) makes
python-calamine allocate 17 billion cells and abort the whole process, which no `except` catches.
"""

from __future__ import annotations

import io
import resource
import time
import zipfile

import pytest

from core.files import sheets
from core.files.rows import RowError
from core.files.sheets import FileError, read_table, read_table_or_errors

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
    'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
    '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
    'worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/></Types>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.'
    'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.'
    'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)


def xlsx(sheet_data: str, *, dimension: str | None = None, extra: dict | None = None) -> bytes:
    """A one-sheet workbook whose <sheetData> is `sheet_data`, as written."""
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.'
        f'org/spreadsheetml/2006/main">{declared}<sheetData>{sheet_data}</sheetData></worksheet>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def text(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


HEADER = '<row r="1">' + text("A1", "파트너 아이디") + text("B1", "금액") + "</row>"


def good_rows(count: int) -> str:
    return "".join(
        f'<row r="{n}">{text(f"A{n}", f"p-{n}")}<c r="B{n}"><v>{n * 100}</v></c></row>'
        for n in range(2, count + 2)
    )


def refused(data: bytes) -> str:
    """read_table's refusal, measured: it must be quick and must not build the sheet."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with pytest.raises(FileError) as caught:
        read_table(data, "bomb.xlsx")
    assert time.perf_counter() - started < 2
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kb < 100 * 1024  # not the gigabytes the grid would take
    return str(caught.value)


def test_a_normal_xlsx_still_reads_through_calamine():
    table = read_table(xlsx(HEADER + good_rows(3), dimension="A1:B4"), "ok.xlsx")
    assert table.headers == ["파트너 아이디", "금액"]
    assert table.rows == [(2, ["p-2", "200"]), (3, ["p-3", "300"]), (4, ["p-4", "400"])]
    assert table.encoding == "xlsx"


def test_a_declared_dimension_alone_is_not_trusted_nor_held_against_the_file():
    table = read_table(xlsx(HEADER + good_rows(1), dimension="A1:XFD1048576"), "ok.xlsx")
    assert table.rows == [(2, ["p-2", "200"])]


def test_two_corner_cells_are_refused_not_a_process_abort():
    data = xlsx(HEADER + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    assert len(data) < 2000
    message = refused(data)
    assert message.startswith("엑셀 파일이 너무 큽니다 (16,384열).")
    assert "200,000행, 702열, 6,000,000칸" in message


def test_a_far_row_in_a_narrow_sheet_is_refused():
    message = refused(xlsx(HEADER + '<row r="1048576"><c r="B1048576"><v>1</v></c></row>'))
    assert message.startswith("엑셀 파일이 너무 큽니다 (1,048,576행 이상).")


def test_a_cell_placed_below_its_row_mark_is_seen():
    """calamine places a cell by its own reference, whatever <row r> says."""
    message = refused(xlsx(HEADER + '<row r="2"><c r="B900000"><v>1</v></c></row>'))
    assert message.startswith("엑셀 파일이 너무 큽니다 (900,000행 이상).")


def test_forty_thousand_rows_by_a_thousand_columns_is_refused():
    """The issue's 13 s / 1.5 GB file: one cell at ALL40000."""
    message = refused(xlsx(HEADER + '<row r="40000"><c r="ALL40000"><v>1</v></c></row>'))
    assert message.startswith("엑셀 파일이 너무 큽니다 (1,000열).")


def test_a_wide_but_short_sheet_is_measured_by_its_real_rows():
    row = '<row r="2">' + text("A2", "p-2") + '<c r="ZZ2"><v>5</v></c></row>'
    table = read_table(xlsx(HEADER + row), "wide.xlsx")
    assert table.rows[0][1][0] == "p-2" and table.rows[0][1][-1] == "5"
    assert len(table.rows[0][1]) == 702


def test_too_many_cells_across_wide_columns_is_refused(monkeypatch):
    monkeypatch.setattr(sheets, "MAX_CELLS", 2_000)
    rows = "".join(f'<row r="{n}"><c r="ZZ{n}"><v>1</v></c></row>' for n in range(2, 5))
    message = refused(xlsx(HEADER + rows))
    assert message.startswith("엑셀 파일이 너무 큽니다 (4행 × 702열).")


def test_cells_without_references_are_read_row_by_row_within_the_limits(monkeypatch):
    """A cell without `r` is placed by counting: such a sheet goes through openpyxl one row at
    a time, with the same limits."""
    monkeypatch.setattr(sheets, "MAX_COLUMNS", 10)
    ok = read_table(
        xlsx('<row><c t="inlineStr"><is><t>h</t></is></c></row><row><c><v>7</v></c></row>')
    )
    assert ok.headers == ["h"] and ok.rows == [(2, ["7"])]
    wide = "<row>" + "<c><v>1</v></c>" * 11 + "</row>"
    assert refused(xlsx(HEADER + wide)).startswith("엑셀 파일이 너무 큽니다 (2행이 11열).")


def test_blank_rows_count_toward_the_row_limit(monkeypatch):
    monkeypatch.setattr(sheets, "MAX_ROWS", 5)
    gap = xlsx(HEADER + '<row r="8">' + text("A8", "late") + "</row>")
    assert refused(gap) == "한 번에 5행까지 올릴 수 있습니다 (빈 행 포함, 헤더 제외)."
    csv_gap = "파트너 아이디,금액\n" + "\n" * 6 + "p-1,100\n"
    with pytest.raises(FileError, match=r"^한 번에 5행까지 올릴 수 있습니다 \(빈 행 포함"):
        read_table(csv_gap.encode(), "gap.csv")
    assert read_table(("파트너 아이디,금액\n" + "\n" * 3 + "p-1,100\n").encode()).rows == [
        (5, ["p-1", "100"])
    ]


def test_a_zip_bomb_is_refused_by_its_declared_sizes():
    """20 MB of zeros packs to ~20 KB: refused by its ratio without being unpacked."""
    data = xlsx(HEADER, extra={"xl/media/zeros.bin": b"\0" * (20 << 20)})
    assert len(data) < 100_000
    assert "압축률이 비정상적으로 높음" in refused(data)


def test_a_zip_declaring_too_much_in_total_is_refused(monkeypatch):
    monkeypatch.setattr(sheets, "MAX_UNPACKED_BYTES", 1 << 20)
    data = xlsx(HEADER, extra={"xl/media/noise.bin": bytes(range(256)) * 8192})
    assert refused(data).startswith("엑셀 파일이 너무 큽니다 (압축을 풀면 2 MB).")


def test_a_sheet_that_unpacks_to_more_than_it_declares_is_refused():
    """zipfile stops at the declared size and checks the CRC: a lying header is a broken file."""
    data = bytearray(xlsx(HEADER + good_rows(50)))
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo("xl/worksheets/sheet1.xml")
    central = data.rfind(b"xl/worksheets/sheet1.xml") - 46  # its central directory entry
    assert data[central : central + 4] == b"PK\x01\x02"
    data[central + 24 : central + 28] = (info.file_size // 10).to_bytes(4, "little")
    message = refused(bytes(data))
    assert message.startswith("엑셀 파일을 읽을 수 없습니다")


def test_a_csv_line_of_millions_of_separators_is_refused_before_it_is_split(monkeypatch):
    monkeypatch.setattr(sheets, "MAX_CELLS", 1_000)
    with pytest.raises(FileError, match=r"^CSV가 너무 큽니다: 한 번에 1,000칸까지"):
        read_table(b"a,b\n" + b"," * 5_000)
    with pytest.raises(FileError, match=r"^2행: 열이 너무 많습니다 \(최대 702열\)"):
        read_table(b"a,b\n" + b"," * 800)


def test_uploads_show_the_refusal_as_their_row_zero_error():
    bomb = xlsx(HEADER + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    errors = read_table_or_errors(bomb, "bomb.xlsx")
    assert isinstance(errors, list) and len(errors) == 1
    assert errors[0].row == 0 and errors[0].column == ""
    assert errors[0].message.startswith("엑셀 파일이 너무 큽니다 (16,384열).")
    assert isinstance(errors[0], RowError)


@pytest.mark.django_db
def test_the_admin_upload_page_answers_a_bomb_with_its_error_list(client, django_user_model):
    from django.urls import reverse

    from settlements.models import PartnerSettlement

    user = django_user_model.objects.create_superuser("finance", "f@example.com", "pw")
    client.force_login(user)
    bomb = io.BytesIO(xlsx(HEADER + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'))
    bomb.name = "bomb.xlsx"
    before = PartnerSettlement.objects.count()
    response = client.post(reverse("settlements-manual-upload"), {"file": bomb, "mode": "live"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="upload-errors"' in html and 'id="upload-confirm"' not in html
    assert "엑셀 파일이 너무 큽니다 (16,384열)." in html
    assert PartnerSettlement.objects.count() == before


def test_a_sheet_the_workbook_points_to_oddly_is_still_checked():
    """Relationships this code does not follow (single quotes, a part outside worksheets/):
    every XML part is scanned then."""
    data = xlsx(HEADER)
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/_rels/workbook.xml.rels":
                content = content.replace(b'"worksheets/sheet1.xml"', b"'elsewhere.xml'")
                content = content.replace(b'Id="rId1"', b"Id='rId1'")
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(
                    b"</sheetData>", b'<row r="9"><c r="XFD9"><v>1</v></c></row></sheetData>'
                )
                target.writestr("xl/elsewhere.xml", content)
                continue
            target.writestr(item.filename, content)
    assert refused(buffer.getvalue()).startswith("엑셀 파일이 너무 큽니다 (16,384열).")


def test_a_wide_cell_far_below_its_row_mark_is_measured_exactly():
    """A column past Z and a row in the millions in one reference, inside <row r="2">."""
    message = refused(xlsx(HEADER + '<row r="2"><c r="AA9999999"><v>1</v></c></row>'))
    assert message.startswith("엑셀 파일이 너무 큽니다 (9,999,999행 이상).")


def test_more_shared_strings_than_cells_is_refused(monkeypatch):
    monkeypatch.setattr(sheets, "MAX_CELLS", 100)
    strings = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main">' + "<si><t>a</t></si>" * 101 + "</sst>"
    )
    message = refused(xlsx(HEADER, extra={"xl/sharedStrings.xml": strings}))
    assert message.startswith("엑셀 파일이 너무 큽니다 (공유 문자열 101개).")
