"""The table of legacy constructs (genloop/compat/rows.py) and the inventory
that documents it (docs/legacy-code.md): every row, the same words in both."""

import pathlib
import re

from genloop.compat import rows
from genloop.compat.rows import ROWS

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"

#: The documentation page that holds the inventory table.
INVENTORY_PAGE = README.parent / "docs" / "legacy-code.md"

#: The section of that page that holds the inventory table.
INVENTORY_HEADING = "## Legacy API inventory"


def readme_inventory_lines():
    """The Markdown table lines of the inventory section of docs/legacy-code.md."""
    text = INVENTORY_PAGE.read_text(encoding="utf-8")
    assert INVENTORY_HEADING in text, "docs/legacy-code.md has no '{}' section".format(
        INVENTORY_HEADING)
    section = text.split(INVENTORY_HEADING, 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("|")]


def split_cells(line):
    cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
    return [cell.strip().replace("\\|", "|") for cell in cells]


def test_rows_cover_l01_to_l36_in_order():
    assert list(ROWS) == ["L{:02d}".format(n) for n in range(1, 37)]


def test_each_row_says_what_genloop_does_with_a_known_handling():
    for row in ROWS.values():
        assert row.handling in rows.HANDLINGS, row
        assert row.api and row.broken_in and row.change and row.replacement, row


def test_row_keeps_the_field_names_warnings_and_reports_use():
    row = ROWS["L01"]
    assert (row.id, row.broken_in) == ("L01", "3.11")
    assert row.api and row.replacement


def test_readme_inventory_table_is_the_rows_table():
    lines = readme_inventory_lines()
    expected = rows.markdown_table().splitlines()
    assert lines == expected, (
        "docs/legacy-code.md's inventory differs from genloop/compat/rows.py; paste "
        "this table under '{}':\n{}".format(INVENTORY_HEADING, rows.markdown_table())
    )


def test_readme_inventory_table_parses_back_to_every_row():
    body = readme_inventory_lines()[2:]
    parsed = {cells[0]: cells for cells in map(split_cells, body)}
    assert list(parsed) == list(ROWS)
    for row_id, (_, api, broke, handling, fix) in parsed.items():
        row = ROWS[row_id]
        assert (api, handling, fix) == (row.api, row.handling, row.replacement)
        assert row.change in broke
        if row.broken_in != "-":
            assert broke.startswith(row.broken_in + ":")


def test_readme_names_no_row_outside_the_table():
    text = README.read_text(encoding="utf-8")
    named = set(re.findall(r"\bL\d\d\b", text))
    assert named <= set(ROWS)
    assert "legacy-api-inventory.md" not in text
