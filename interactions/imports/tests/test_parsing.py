"""Reading files and cells: encodings, delimiters, row numbers, dates and amounts. No
database needed."""

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl  # type: ignore[import-untyped]
import pytest
from django.utils import timezone

from interactions.imports import values as v
from interactions.imports.converters import converters_for
from interactions.imports.models import ImportKind
from interactions.imports.reading import (
    detect_delimiter,
    file_format_for,
    file_inspect,
    file_rows,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _write(tmp_path: Path, raw: bytes, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(raw)
    return path


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        ("vardas,miestas\nŽydrūnė,Šiauliai\n", "utf-8", "utf-8"),
        ("vardas,miestas\nŽydrūnė,Šiauliai\n", "utf-8-sig", "utf-8-sig"),
        ("vardas,miestas\nŽydrūnė Čepulienė,Šiauliai ąčęėįšųūž\n", "cp1257", "cp1257"),
        ("imię,miasto\nŁucja Wójcik,Łódź źdźbło\n", "cp1250", "cp1250"),
        ("όνομα,πόλη\nΠαπαδοπούλου Ελένη,Θεσσαλονίκη\n", "cp1253", "cp1253"),
    ],
)
def test_encoding_is_detected_and_text_read_right(
    tmp_path: Path, text: str, encoding: str, expected: str
) -> None:
    path = _write(tmp_path, text.encode(encoding))

    info = file_inspect(path, file_format="csv")

    assert info.encoding == expected
    assert info.headers == text.splitlines()[0].split(",")  # no byte-order mark left
    assert [list(r.cells) for r in file_rows(path, info)] == [text.splitlines()[1].split(",")]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiter_is_detected(tmp_path: Path, delimiter: str) -> None:
    rows = [["ref", "name", "city"], ["1", "Ona, Jonas", "Vilnius"], ["2", "Eglė", "Kaunas"]]
    text = "\n".join(delimiter.join(f'"{c}"' if "," in c else c for c in r) for r in rows)
    path = _write(tmp_path, text.encode())

    info = file_inspect(path, file_format="csv")

    assert info.delimiter == delimiter
    assert [list(r.cells) for r in file_rows(path, info)] == rows[1:]


def test_delimiter_falls_back_to_comma_for_a_single_column() -> None:
    assert detect_delimiter("name\nOna\nJonas\n") == ","


def test_row_numbers_are_the_spreadsheet_rows_with_blank_rows_counted(tmp_path: Path) -> None:
    text = '\n"ref","notes"\n1,"two\nlines"\n\n , \n3,x\n'
    path = _write(tmp_path, text.encode())

    info = file_inspect(path, file_format="csv")

    assert (info.header_row, info.headers) == (2, ["ref", "notes"])
    assert [(r.number, r.cells[0]) for r in file_rows(path, info)] == [(3, "1"), (6, "3")]


def test_headers_are_named_and_made_unique(tmp_path: Path) -> None:
    path = _write(tmp_path, b"name,,name,Name\n1,2,3,4\n")

    assert file_inspect(path, file_format="csv").headers == ["name", "Column 2", "name (2)", "Name"]


def test_unsupported_file_types_are_refused() -> None:
    with pytest.raises(v.InvalidDataError):
        file_format_for("orders.pdf")
    assert file_format_for("Orders.XLSX") == "xlsx"


def test_xlsx_cells_keep_their_types(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["ref", "date", "amount"])
    sheet.append([12345.0, date(2026, 1, 5), 12.5])
    sheet.append([None, None, None])
    sheet.append(["A2", datetime(2026, 1, 6, 9, 30), 3])  # noqa: DTZ001 -- spreadsheets are naive
    book.save(tmp_path / "data.xlsx")

    info = file_inspect(tmp_path / "data.xlsx", file_format="xlsx")
    rows = list(file_rows(tmp_path / "data.xlsx", info))

    assert (info.headers, info.rows_total) == (["ref", "date", "amount"], 3)
    assert [r.number for r in rows] == [2, 4]
    assert v.as_text(rows[0].cells[0]) == "12345"
    assert v.parse_date(rows[0].cells[1], date_format="dd.mm.yyyy") == date(2026, 1, 5)
    assert v.parse_cents(rows[0].cells[2], decimal_separator=",") == 1250


@pytest.mark.parametrize(
    ("value", "date_format", "expected"),
    [
        ("2026-01-05", "iso", date(2026, 1, 5)),
        ("2026-01-05 14:30", "iso", date(2026, 1, 5)),
        ("05.01.2026", "dd.mm.yyyy", date(2026, 1, 5)),
        ("5.1.2026 08:00", "dd.mm.yyyy", date(2026, 1, 5)),
        ("05/01/2026", "dd/mm/yyyy", date(2026, 1, 5)),
        ("01/05/2026", "mm/dd/yyyy", date(2026, 1, 5)),
    ],
)
def test_dates_in_the_formats_the_mapping_names(
    value: str, date_format: str, expected: date
) -> None:
    assert v.parse_date(value, date_format=date_format) == expected


@pytest.mark.parametrize(
    ("value", "date_format"),
    [
        ("05.01.2026", "iso"),
        ("2026-01-05", "dd.mm.yyyy"),
        ("31/02/2026", "dd/mm/yyyy"),
        ("13/01/2026", "mm/dd/yyyy"),
        ("05/01/2026", "dd.mm.yyyy"),
    ],
)
def test_dates_in_another_format_are_refused_with_the_expected_format(
    value: str, date_format: str
) -> None:
    with pytest.raises(v.InvalidDataError) as problem:
        v.parse_date(value, date_format=date_format)
    assert value in problem.value.message
    assert v.FORMAT_LABELS[date_format] in problem.value.message


def test_moments_without_offset_are_local_and_stored_in_utc() -> None:
    local = v.parse_datetime("2026-07-01 10:00", date_format="iso")
    given = v.parse_datetime("2026-07-01T10:00:00+00:00", date_format="iso")

    assert local == timezone.make_aware(datetime(2026, 7, 1, 10, 0))  # noqa: DTZ001
    assert given == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "separator", "cents"),
    [
        ("12", ".", 1200),
        ("12.5", ".", 1250),
        ("1,234.56", ".", 123_456),
        ("1 234.56", ".", 123_456),
        ("12,5", ",", 1250),
        ("1.234,56", ",", 123_456),
        ("1\u00a0234,56", ",", 123_456),
        ("0,07", ",", 7),
    ],
)
def test_amounts_with_either_decimal_separator(value: str, separator: str, cents: int) -> None:
    assert v.parse_cents(value, decimal_separator=separator) == cents


@pytest.mark.parametrize("value", ["12.345", "-1", "abc", "NaN", "1e400"])
def test_bad_amounts_are_refused(value: str) -> None:
    with pytest.raises(v.InvalidDataError):
        v.parse_cents(value, decimal_separator=".")


# The column form must agree with the cell form wherever it answers.
SAMPLES = {
    "amount": [
        "12",
        "12.5",
        "12.50",
        "0.01",
        "1,234.56",
        "+5",
        "_1",
        "1_000",
        "12.345",
        "-1",
        "-0.5",
        "٣",
        "1e3",
        "NaN",
        "Infinity",
        ".5",
        "5.",
        " 7 ",
        "99999999999999999",
    ],
    "ordered_on": ["2026-01-05", "20260105", "2026-W01-1", "2026-02-30", "2027-01-01", "x"],
    "status": ["paid", "PAID", "Paid", "nope", "placed"],
    "currency": ["eur", "EUR", "E1R", "EURO", "usd"],
    "amount_cents": ["100", "1_0", "-5", "+5", "x", "99999999999999999999"],
}


@pytest.mark.parametrize("target", sorted(SAMPLES))
@pytest.mark.parametrize("separator", [".", ","])
def test_column_conversion_agrees_with_cell_conversion(target: str, separator: str) -> None:
    converter = converters_for(
        ImportKind.ORDERS, date_format="iso", decimal_separator=separator, now=NOW
    )[target]
    assert converter.column is not None
    for value in SAMPLES[target]:
        try:
            expected: object = converter.cell(value)
        except v.InvalidDataError:
            expected = None
        assert converter.column([value]) in (None, [expected]), value
        if expected is not None:  # a valid cell among valid ones is found the fast way too
            assert converter.column([value, value]) in (None, [expected, expected])


def test_column_conversion_of_plain_amounts_is_exact() -> None:
    converter = converters_for(ImportKind.ORDERS, date_format="iso", decimal_separator=".", now=NOW)
    column = converter["amount"].column
    assert column is not None
    values = [f"{n // 100}.{n % 100:02d}" for n in range(0, 100_000, 7)]
    assert column(values) == list(range(0, 100_000, 7))
    assert column(["1.5", "2.25", "3"]) == [150, 225, 300]
    assert column(["1.5", "bad"]) is None


def test_choice_accepts_value_or_label_in_any_case() -> None:
    lookup = v.choice_lookup([("in", "Inbound"), ("out", "Outbound")])
    assert [v.parse_choice(x, lookup=lookup) for x in ["in", "INBOUND", "Outbound"]] == [
        "in",
        "in",
        "out",
    ]
    with pytest.raises(v.InvalidDataError) as problem:
        v.parse_choice("sideways", lookup=lookup)
    assert "in, out" in problem.value.message


def test_decimal_cell_from_a_spreadsheet_float_is_exact() -> None:
    assert v.parse_cents(0.1 + 0.2, decimal_separator=".") == 30  # binary noise ignored
    assert v.parse_cents(19.99, decimal_separator=".") == 1999
    assert v.parse_cents(Decimal("19.99"), decimal_separator=".") == 1999
