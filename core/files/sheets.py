"""Spreadsheet plumbing shared by uploads and downloads: reading CSV/XLSX that people save from
Excel, writing CSV that Korean Excel opens correctly, write-only XLSX, and formula neutralisation.

Knows nothing about transfers or partners: callers pass header names and rows of plain values.
It must not validate business fields (amounts, ids, dates): that is the caller's job, with row
numbers taken from `Table.rows`.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import IO, Any

from core.files.rows import RowError

MAX_FILE_BYTES = 60 * 1024 * 1024
MAX_ROWS = 200_000
CSV_CHUNK_ROWS = 500
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
AMOUNT_FORMAT = "#,##0"

# A cell that is only a number ("-12000", "+3.5") is not a formula: Excel reads it as a constant,
# so it is left alone and negative amounts stay numbers.
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class FileError(Exception):
    """The file as a whole cannot be read (encoding, format, size, no header)."""


@dataclass
class Table:
    headers: list[str]
    #: (row number as the spreadsheet shows it: header = 1, cells as text); blank rows skipped
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    #: "utf-8", "utf-8-sig", "cp949", "utf-16" or "xlsx"
    encoding: str = ""


# --- neutralisation ---------------------------------------------------------------------------


def neutralise(value: Any) -> Any:
    """Stop a text cell from running as a formula in Excel (CSV/formula injection, OWASP):
    text starting with = + - @ TAB or CR gets a leading single quote. Numbers, and text that is
    nothing but a number, are returned unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS) and not _NUMBER.match(value):
        return "'" + value
    return value


# --- reading ----------------------------------------------------------------------------------


def decode_text(data: bytes) -> tuple[str, str]:
    """Korean Excel saves CSV as CP949; newer Excel and most tools as UTF-8, often with a BOM.

    BOM -> utf-8-sig; UTF-16 BOM (Excel "유니코드 텍스트") -> utf-16; else strict UTF-8; else
    CP949. CP949 text is almost never valid UTF-8, so trying UTF-8 first does not misread it.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data.decode("utf-8-sig"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp949"), "cp949"
    except UnicodeDecodeError as exc:
        raise FileError(
            "파일 인코딩을 알 수 없습니다. UTF-8 또는 CP949(엑셀 CSV)로 저장해 주세요."
        ) from exc


def cell_text(value: Any) -> str:
    """A cell as the text a person sees: 12000.0 -> '12000', a date cell -> '2026-01-05'.
    A float with a fraction keeps it ('12.5'), so integer checks can refuse it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _xlsx_rows(data: bytes) -> Iterator[list[Any]]:
    """python-calamine (Rust) reads ~9x faster than openpyxl read-only
    (docs/decisions.md#reading-xlsx); openpyxl stays as the fallback so uploads work on an install
    without it."""
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:  # pragma: no cover - exercised only without python-calamine
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # do not trust a declared A1:XFD1048576 (tablib #482)
        try:
            yield from (list(row) for row in sheet.iter_rows(values_only=True))
        finally:
            workbook.close()
        return
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    yield from workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)


def _table(rows: Iterable[list[str]], encoding: str) -> Table:
    headers: list[str] | None = None
    out: list[tuple[int, list[str]]] = []
    for number, cells in enumerate(rows, start=1):
        if headers is None:
            headers = [c.replace("\ufeff", "").strip() for c in cells]
            while headers and not headers[-1]:
                headers.pop()
            if not headers:
                raise FileError("첫 행에 열 이름(헤더)이 있어야 합니다.")
            continue
        if any(cells):
            out.append((number, cells))
            if len(out) > MAX_ROWS:
                raise FileError(f"한 번에 {MAX_ROWS:,}행까지 올릴 수 있습니다.")
    if headers is None:
        raise FileError("빈 파일입니다.")
    return Table(headers=headers, rows=out, encoding=encoding)


def read_table(data: bytes, filename: str = "") -> Table:
    """CSV (UTF-8, UTF-8 with BOM, CP949; comma or tab separated) or XLSX (first sheet),
    recognised by content first (an XLSX is a zip), then by name."""
    if len(data) > MAX_FILE_BYTES:
        raise FileError(f"파일이 너무 큽니다 (최대 {MAX_FILE_BYTES // 1024 // 1024} MB).")
    if data.startswith(b"PK\x03\x04"):
        try:
            rows = [[cell_text(v) for v in row] for row in _xlsx_rows(data)]
        except Exception as exc:  # calamine and openpyxl raise many types for a broken file
            raise FileError(f"엑셀 파일을 읽을 수 없습니다: {exc}") from exc
        return _table(rows, "xlsx")
    if filename.lower().endswith((".xlsx", ".xls")):
        raise FileError("엑셀 파일이 아니거나 손상되었습니다. .xlsx 또는 .csv 로 올려 주세요.")
    text, encoding = decode_text(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _table(([c.strip() for c in row] for row in reader), encoding)
    except csv.Error as exc:
        raise FileError(f"CSV 형식이 올바르지 않습니다: {exc}") from exc


def read_table_or_errors(data: bytes, filename: str = "") -> Table | list[RowError]:
    """`read_table`, with a file that cannot be read as the one row-0 error uploads show."""
    try:
        return read_table(data, filename)
    except FileError as exc:
        return [RowError(0, "", str(exc))]


# --- writing ----------------------------------------------------------------------------------


class _Echo:
    """A file-like object whose write() returns the line, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def csv_stream(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], *, chunk_rows: int = CSV_CHUNK_ROWS
) -> Iterator[str]:
    """CSV text in chunks for StreamingHttpResponse. Starts with a BOM so Korean Excel reads it
    as UTF-8 instead of guessing CP949; every cell is neutralised."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([neutralise(h) for h in headers])
    chunk: list[str] = []
    for row in rows:
        chunk.append(writer.writerow([neutralise(v) for v in row]))
        if len(chunk) >= chunk_rows:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    return "".join(csv_stream(headers, rows)).encode("utf-8")


@dataclass
class SheetSpec:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    #: columns (0-based) whose integers get a thousands separator
    amount_columns: frozenset[int] = frozenset()
    #: column widths in characters, by position; missing ones keep Excel's default
    widths: Sequence[int] = ()


def write_xlsx(fileobj: IO[bytes], sheets: Iterable[SheetSpec]) -> None:
    """openpyxl write-only: rows stream to a temp file, memory stays flat (lxml makes it ~1.7x
    faster, docs/decisions.md#reading-xlsx). Every text cell is neutralised: openpyxl itself stores
    any text that starts with '=' as a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for spec in sheets:
        sheet = workbook.create_sheet(spec.title[:31])
        for index, width in enumerate(spec.widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        header_cells = []
        for header in spec.headers:
            cell = WriteOnlyCell(sheet, value=neutralise(header))
            cell.font = bold
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in spec.rows:
            out: list[Any] = []
            for index, value in enumerate(row):
                value = neutralise(value)
                if index in spec.amount_columns and isinstance(value, int):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = AMOUNT_FORMAT
                    out.append(cell)
                else:
                    out.append(value)
            sheet.append(out)
    workbook.save(fileobj)


def xlsx_bytes(sheets: Iterable[SheetSpec]) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(buffer, sheets)
    return buffer.getvalue()
