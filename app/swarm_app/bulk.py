"""Parsing and validating a bulk import (CSV or JSON), row by row. Pure: no database."""

import csv
import io
import json
from dataclasses import dataclass, field

from pydantic import ValidationError

from .schemas import RowError, UserCreate

CSV_COLUMNS = ("email", "full_name", "active", "role")
_TRUE = {"true", "1", "yes", "y"}
_FALSE = {"false", "0", "no", "n", ""}
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection, OWASP).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    """A text cell as exported: a leading quote keeps a spreadsheet from running it as a formula."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _imported_cell(value: str) -> str:
    """The inverse of `csv_cell`, so an exported file imports back to the same values."""
    return value[1:] if value.startswith("'") and value[1:].startswith(_FORMULA_STARTS) else value


@dataclass
class ParsedImport:
    valid: list[tuple[int, UserCreate]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class ImportFormatError(ValueError):
    """The body as a whole cannot be read (not a row problem)."""


def _csv_rows(text: str) -> list[dict[str, object]]:
    try:
        return _read_csv(text)
    except csv.Error as exc:
        raise ImportFormatError(f"body is not valid CSV: {exc}") from None


def _read_csv(text: str) -> list[dict[str, object]]:
    # newline="": the csv module handles \r and \r\n itself (a lone \r is a line end, not an error).
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if "email" not in header:
        raise ImportFormatError(
            f"CSV header must include 'email' (columns: {', '.join(CSV_COLUMNS)})"
        )
    unknown = set(header) - set(CSV_COLUMNS)
    if unknown:
        raise ImportFormatError(f"unknown CSV columns: {', '.join(sorted(unknown))}")
    rows: list[dict[str, object]] = []
    for raw in reader:
        row: dict[str, object] = {
            k.strip(): _imported_cell((v or "").strip()) for k, v in raw.items() if k is not None
        }
        if isinstance(row.get("active"), str):
            flag = str(row["active"]).lower()
            row["active"] = True if flag in _TRUE else False if flag in _FALSE else row["active"]
        if row.get("role") == "":
            row.pop("role")
        rows.append(row)
    return rows


def _json_rows(text: str) -> list[dict[str, object]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFormatError(f"body is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(data, list):
        raise ImportFormatError("JSON body must be an array of user objects")
    return [r if isinstance(r, dict) else {"__not_an_object__": r} for r in data]


def parse_import(text: str, content_type: str, max_rows: int) -> ParsedImport:
    rows = _json_rows(text) if "json" in content_type else _csv_rows(text)
    if len(rows) > max_rows:
        raise ImportFormatError(f"{len(rows)} rows: at most {max_rows} in one import")
    result = ParsedImport()
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        if "__not_an_object__" in row:
            result.errors.append(RowError(row=number, field="(row)", message="must be an object"))
            continue
        try:
            user = UserCreate.model_validate({**row, "password": None})
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"]) or "(row)"
                result.errors.append(RowError(row=number, field=loc, message=err["msg"]))
            continue
        email = user.email.lower()
        if email in seen:
            result.errors.append(
                RowError(row=number, field="email", message=f"duplicate of row {seen[email]}")
            )
            continue
        seen[email] = number
        result.valid.append((number, user))
    return result
