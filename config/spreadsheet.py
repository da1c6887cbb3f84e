"""Every CSV the site serves is written here, so no cell runs as a formula.

A spreadsheet program runs a cell that starts with =, +, -, @, a tab or a
carriage return as a formula (CSV injection). Usernames such as `+A1` or
`-1+1` are valid, and curators name skills and steps freely, so every cell,
headers included, that starts with one of those characters gets a leading
apostrophe (OWASP's rule): spreadsheets show the text as it is, and a program
reading the file sees the apostrophe. Numbers Waymark computes are left as
they are.
"""

import csv

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """`value`, with a leading apostrophe if a spreadsheet would run it."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """`csv.writer` whose every cell is `safe_cell`."""

    def __init__(self, file, **options):
        self.writer = csv.writer(file, **options)

    def writerow(self, row):
        return self.writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)
