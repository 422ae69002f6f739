"""The columns an attendance file may have (attendance-import spec), and matching its header."""

import dataclasses
import re

from attendance.codes import CODES, WITHDRAWN, importable_codes


@dataclasses.dataclass(frozen=True)
class Column:
    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False


COLUMNS = (
    Column("school_urn", ("urn", "school urn"), required=True),
    Column("upn", ("pupil upn",), required=True),
    Column("family_name", ("surname", "legal surname")),
    Column("given_name", ("forename", "first name")),
    Column("date_of_birth", ("dob",)),
    Column("year_group", ("nc year",)),
    Column("period_start", ("from",), required=True),
    Column("period_end", ("to",), required=True),
    Column("possible_sessions", ("possible",), required=True),
    Column("attended_sessions", ("attended", "present"), required=True),
    Column("authorised_absence", ("authorised",), required=True),
    Column("unauthorised_absence", ("unauthorised",), required=True),
    Column("suspensions"),
    Column("sen", ("sen status",)),
    Column("fsm"),
    Column("eal"),
    Column("cla"),
    Column("cin"),
    Column("cp"),
    Column("young_carer"),
)
COUNT_COLUMNS = (
    "possible_sessions",
    "attended_sessions",
    "authorised_absence",
    "unauthorised_absence",
)
FLAG_COLUMNS = ("fsm", "eal", "cla", "cin", "cp", "young_carer")


def normalise(header: str) -> str:
    """Case-insensitive, ignoring spaces, hyphens and underscores."""
    return re.sub(r"[\s_\-]+", "", header.strip().lower())


_LOOKUP = {normalise(alias): c.name for c in COLUMNS for alias in (c.name, *c.aliases)}
_CODE_COLUMN = re.compile(r"^code(.+)$")


def code_column(code: str) -> str:
    """The staging column for a register code: code_c2, code_hash for #."""
    return "code_" + ("hash" if code == "#" else code.lower())


@dataclasses.dataclass
class HeaderMap:
    """Where each known column is in the file, and what the header's own problems are."""

    positions: dict[str, int]  # staging column -> index in the file's row
    codes: dict[str, str]  # staging column -> register code
    errors: list[tuple[str, str]]  # (column as written, message)
    warnings: list[tuple[str, str]]

    @property
    def staging_columns(self) -> list[str]:
        return list(self.positions)


def match_header(cells: list[str]) -> HeaderMap:
    positions: dict[str, int] = {}
    written: dict[str, str] = {}
    codes: dict[str, str] = {}
    errors: list[tuple[str, str]] = []
    warnings: list[tuple[str, str]] = []
    allowed_codes = importable_codes()
    for index, cell in enumerate(cells):
        key = normalise(cell)
        if not key:
            if cell or index < len(cells) - 1:
                warnings.append(
                    (f"column {index + 1}", "This column has no heading: it was ignored")
                )
            continue
        name = _LOOKUP.get(key)
        code_match = _CODE_COLUMN.match(key)
        if name is None and code_match:
            code = _code_named(code_match.group(1))
            if code in WITHDRAWN:
                errors.append(
                    (cell, f"{code} was withdrawn in 2024: use {WITHDRAWN[code]} instead")
                )
                continue
            if code not in CODES:
                errors.append((cell, f"{code} is not a 2024 attendance register code"))
                continue
            if code not in allowed_codes:
                errors.append(
                    (cell, f"{code} is not a possible session, so it cannot be counted here")
                )
                continue
            name = code_column(code)
            codes[name] = code
        if name is None:
            warnings.append((cell, "This column is not one the service uses: it was ignored"))
            continue
        if name in positions:
            errors.append((cell, f"The file has two columns for {name} ({written[name]!r} too)"))
            continue
        positions[name] = index
        written[name] = cell
    for column in COLUMNS:
        if column.required and column.name not in positions:
            errors.append((column.name, f"The file has no {column.name} column, which is required"))
    return HeaderMap(positions=positions, codes=codes, errors=errors, warnings=warnings)


def _code_named(text: str) -> str:
    upper = text.upper()
    return "#" if upper in {"#", "HASH"} else upper
