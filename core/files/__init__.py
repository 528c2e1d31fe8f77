"""Spreadsheets in and out, shared by every upload and download of every app.

* `sheets` — reading CSV/XLSX as people save them from Excel, writing CSV and XLSX;
* `columns` — header matching (Korean template headers and their English names) and the
  per-line cell reader that reports errors by spreadsheet row and column;
* `cells` — the cell formats every upload accepts (amounts, dates, instants, choices);
* `rows` — `RowError` (row, column, message), the one error shape of every upload;
* `stage` — an upload kept server-side between the admin's preview and its confirm.

What a row *means* (which columns, which service) lives in each app's `files/` package.
"""
