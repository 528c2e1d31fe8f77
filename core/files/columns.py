"""Which column is which: header matching, and a line reader whose errors name row and column.

A file's headers are matched to fields by `Columns.match`: the template's Korean header or any
alias (the API's camelCase name, an English name), ignoring spaces, a UTF-8 BOM and a
parenthesised hint — '유형(사업자/원천징수대상자/원천징수비대상자)', '유형' and 'type' are one
column. Unknown and repeated headers are errors (a typo must not silently drop a column), and so
is a missing required one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from core.files.rows import CellError, RowError
from core.files.sheets import Table

_HINT = re.compile(r"\(.*\)")
UNKNOWN_COLUMN = "알 수 없는 열입니다. 템플릿의 열 이름을 쓰세요."
_SPACES = re.compile(r"\s+")


def header_key(header: str) -> str:
    """'기본 계약 아이디' == '기본계약아이디', '유형(사업자/…)' == '유형'; case-insensitive."""
    return _SPACES.sub("", _HINT.sub("", header.replace("\ufeff", ""))).lower()


@dataclass(frozen=True)
class Column:
    name: str  # the field it fills
    header: str  # as the template writes it (Korean)
    aliases: tuple[str, ...] = ()  # other accepted headers: the API's name, English
    required: bool = False  # the file is refused without this column
    max_length: int | None = None  # longer cell text is a cell error


@dataclass
class Layout:
    """Where each field sits in one file, and the header it was written under."""

    index: dict[str, int]
    headers: dict[str, str]  # field -> header as written (the template's when absent)


class Columns:
    def __init__(self, columns: Iterable[Column]) -> None:
        self.columns = tuple(columns)
        self.by_name = {c.name: c for c in self.columns}
        self._keys: dict[str, str] = {}
        for column in self.columns:
            for header in (column.header, *column.aliases):
                self._keys.setdefault(header_key(header), column.name)

    @property
    def headers(self) -> list[str]:
        """The template's header row."""
        return [c.header for c in self.columns]

    def header(self, name: str) -> str:
        return self.by_name[name].header

    def match(self, headers: list[str]) -> tuple[Layout, list[RowError]]:
        layout = Layout(index={}, headers={c.name: c.header for c in self.columns})
        errors: list[RowError] = []
        for position, header in enumerate(headers):
            if not header:
                continue
            name = self._keys.get(header_key(header))
            if name is None:
                errors.append(RowError(1, header, UNKNOWN_COLUMN))
            elif name in layout.index:
                errors.append(RowError(1, header, "같은 열이 두 번 있습니다."))
            else:
                layout.index[name] = position
                layout.headers[name] = header
        for column in self.columns:
            if column.required and column.name not in layout.index:
                errors.append(RowError(1, column.header, "필수 열이 없습니다."))
        return layout, errors

    def lines(self, table: Table, layout: Layout) -> Iterator[Line]:
        for number, cells in table.rows:
            yield Line(number, cells, layout, self)


@dataclass
class Line:
    """One spreadsheet line while it is read; `errors` name the header as written."""

    number: int
    cells: list[str]
    layout: Layout
    columns: Columns
    errors: list[RowError] = field(default_factory=list)

    def get(self, name: str) -> str:
        """The cell's text ("" when the file lacks the column or the cell)."""
        position = self.layout.index.get(name)
        if position is None or position >= len(self.cells):
            return ""
        return self.cells[position].strip()

    def error(self, name: str, message: str) -> None:
        self.errors.append(RowError(self.number, self.layout.headers.get(name, ""), message))

    def cell(
        self, name: str, parse: Callable[[str], Any] | None = None, *, required: bool = False
    ) -> Any:
        """The parsed cell, or None (blank, or an error recorded on the line)."""
        text = self.get(name)
        if not text:
            if required:
                self.error(name, "값이 필요합니다.")
            return None
        limit = self.columns.by_name[name].max_length
        if limit is not None and len(text) > limit:
            self.error(name, f"{limit}자 이하여야 합니다.")
            return None
        if parse is None:
            return text
        try:
            return parse(text)
        except CellError as exc:
            self.error(name, str(exc))
            return None

    def extra_cells(self, header_count: int) -> bool:
        """Cells beyond the header row: usually an unquoted comma inside a value."""
        return any(self.cells[header_count:])
