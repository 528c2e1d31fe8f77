"""What a partner spreadsheet means, on the shared core.files machinery: `columns` (headers and
the values people type), `upload` (a file's rows validated as the API validates them, and the
all-or-nothing commit), `template` (the download template), `export` (the masked export).

Nothing here renders a page or imports the API: the admin (partners.admin.uploads) and
bench/partner_import.py call these."""
