"""The one error shape of every upload: row, column, message."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RowError:
    #: the row as the spreadsheet shows it (header = 1); 0 = the file as a whole
    row: int
    #: the header as written in the file (or the template's); "" = the whole row
    column: str
    message: str


class CellError(ValueError):
    """A cell that does not hold what its column takes; the message says what was expected."""
