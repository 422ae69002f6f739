"""The SQL of the measures: one statement computes every measure for every period at once.

It is assembled from named parts (common table expressions), so that a drill-down runs exactly
the SQL that counted the figure, ending in a different SELECT. Values are always bound as named
parameters; what is formatted into the text is only this module's own SQL and the codes in
definitions.py.

The statement's building blocks:

- `periods`: the periods reported (each term of the year so far, the year to date, and the same
  term and year to date last year), each with a window of days for flows ("opened in the term")
  and an `as_of` day for stocks ("open at term end").
- `recs`: sessions summed per pupil and school, one column per set of term windows a period
  needs; `pupil_sums`: the same per pupil. Read from the raw attendance records (every pupil),
  or with `summary` from the pupils kept in detail by reports.summary (movers, and those
  severely absent by some term's end or with C2 sessions); `mrecs`: the movers alone.
- `att_*`: measures 1–4 per breakdown, from those wide rows without sorting them; with `summary`,
  the movers' counts plus the stored per-school summaries of every other pupil (`cube`).
- `sev`: each pupil's year-to-date severity at the end of each period and of the term before.
- `sets`: one row per thing counted (a pupil, case, plan, review due…) with the measure, the
  period, the pupil and the school it is counted at; every count measure is `count(DISTINCT
  unit)` over it (or `count(*)` over `usets`, the parts that hold a unit once a cell), and its
  drill-down is its pupils. A unit is a number: the thing's id times 16
  plus its kind (1 pupil, 2 case, 3 timeline entry, 4 plan, 5 review, 6 review due, 7 action,
  8 audit, 9 school), which sorts far faster than text.
- `vals`: the same with an amount, for means and medians.
"""

# ruff: noqa: S608 - the SQL is assembled from this module's own text and codes; every value is
# bound as a parameter, never formatted in.

import dataclasses
import datetime
from collections.abc import Callable
from typing import Any

from attendance.thresholds import sql_number
from reports.measures.definitions import (
    ATTENDANCE_MEASURES,
    BY_CODE,
    CHARACTERISTICS,
    MEASURES,
    Kind,
)

YEAR_KINDS = "('year', 'last_year')"
PRIMARY_YEARS = "('N1', 'N2', 'R', '1', '2', '3', '4', '5', '6')"
SECONDARY_YEARS = "('7', '8', '9', '10', '11', '12', '13', '14')"
ONE_DAY = datetime.timedelta(days=1)


@dataclasses.dataclass(frozen=True)
class Window:
    """A term's days: from the day after the previous term ended (1 September for the first)
    to the term's last day (31 August for the year's last term), so that every day of the
    academic year belongs to exactly one term and the terms add up to the year."""

    start_year: int
    ord: int  # the term's place in its year: 0 autumn, 1 spring, 2 summer
    lo: datetime.date
    hi: datetime.date


def year_windows(start_year: int, term_ends: list[datetime.date]) -> list[Window]:
    """The windows of a year's terms, given each term's last day in order."""
    windows = []
    for i, ends_on in enumerate(term_ends):
        lo = datetime.date(start_year, 9, 1) if i == 0 else term_ends[i - 1] + ONE_DAY
        last = i == len(term_ends) - 1
        windows.append(Window(start_year, i, lo, datetime.date(start_year + 1, 8, 31) if last
                              else ends_on))  # fmt: skip
    return windows


@dataclasses.dataclass(frozen=True)
class PeriodSpec:
    code: str
    kind: str  # term, year, last_term, last_year
    start_year: int
    ord: int  # for a year: the last term it includes
    lo: datetime.date
    hi: datetime.date
    as_of: datetime.date


@dataclasses.dataclass(frozen=True)
class Spec:
    periods: tuple[PeriodSpec, ...]
    windows: tuple[Window, ...]
    schools: tuple[int, ...] | None  # the schools counted; None: every school, and no school
    characteristic: str  # only pupils with this characteristic; "" for all
    breakdown: str  # "" or a key of definitions.BREAKDOWNS
    today: datetime.date
    persistent: float
    severe: float
    time_zone: str


def params(spec: Spec) -> dict[str, Any]:
    p = spec.periods
    values: dict[str, Any] = {
        "p_code": list(range(len(p))),  # periods are numbered in the SQL, for speed
        "p_kind": [x.kind for x in p],
        "p_year": [x.start_year for x in p],
        "p_ord": [x.ord for x in p],
        "p_lo": [x.lo for x in p],
        "p_hi": [x.hi for x in p],
        "p_as_of": [x.as_of for x in p],
        "previous_years": sorted({x.start_year - 1 for x in p}),
        "first_day": min(w.lo for w in spec.windows),
        "last_day": max(w.hi for w in spec.windows),
        "schools": list(spec.schools or ()),
        "characteristic": spec.characteristic,
        "years": sorted({w.start_year for w in spec.windows}),
        "today": spec.today,
        "persistent": sql_number(spec.persistent),
        "severe": sql_number(spec.severe),
        "attendance_line": sql_number(100 - spec.severe),
        "tz": spec.time_zone,
    }
    for i, w in enumerate(spec.windows):
        values[f"w{i}_lo"] = w.lo
        values[f"w{i}_hi"] = w.hi
        values[f"w{i}_year"] = datetime.date(w.start_year, 9, 1)
    return values


# Scope ------------------------------------------------------------------------------------------


def school_ok(spec: Spec, expr: str) -> str:
    if spec.schools is None:
        return "TRUE"
    return f"{expr} = ANY(%(schools)s)"


def characteristic_sql(code: str, alias: str) -> str:
    return CHARACTERISTICS[code][1].format(p=alias)


def pupil_ok(spec: Spec, expr: str) -> str:
    if not spec.characteristic:
        return "TRUE"
    flag = characteristic_sql(spec.characteristic, "fp")
    return f"EXISTS (SELECT 1 FROM schools_pupil fp WHERE fp.id = {expr} AND {flag})"


def school_at(pupil: str, day: str) -> str:
    """The pupil's school on the day: the enrolment covering it, else the latest before it (the
    school they left), else their current school."""
    return f"""coalesce(
        (SELECT e.school_id FROM schools_enrolment e
         WHERE e.pupil_id = {pupil} AND e.started_on <= {day}
         ORDER BY (e.ended_on IS NULL OR e.ended_on >= {day}) DESC, e.started_on DESC, e.id DESC
         LIMIT 1),
        (SELECT cp.current_school_id FROM schools_pupil cp WHERE cp.id = {pupil}))"""


def ever_at(spec: Spec, pupil: str) -> str:
    """Whether school_at could place the pupil at a school in scope on some day: enrolled there
    at some time, or there now (TRUE LA-wide). For some schools, cases and plans are narrowed to
    those pupils before each one's school is found, rather than finding the school of every case
    and plan in the LA (seconds nationally, for one school)."""
    if spec.schools is None:
        return "TRUE"
    return f"""{pupil} IN (
        SELECT se.pupil_id FROM schools_enrolment se WHERE se.school_id = ANY(%(schools)s)
        UNION
        SELECT sp.id FROM schools_pupil sp WHERE sp.current_school_id = ANY(%(schools)s))"""


def school_at_for(spec: Spec) -> "Callable[[str, str], str]":
    """school_at, where a count needs to know the school: for schools in scope, or a breakdown
    by school (phase, link co-ordinator). LA-wide the school is never read, and finding it is
    most of the cost of counting cases and plans: it is left NULL."""
    if spec.schools is not None or spec.breakdown in ("phase", "school", "link_coordinator"):
        return school_at
    return lambda pupil, day: "NULL::bigint"


def _bucket(spec: Spec, dim: str) -> tuple[str, str, str]:
    """(join, value, condition) tagging a row `x` (with school_id and pupil_id) for a breakdown."""
    if dim == "phase":
        return "JOIN schools_school bs ON bs.id = x.school_id", "bs.phase", "TRUE"
    if dim == "school":
        return "", "x.school_id::text", "x.school_id IS NOT NULL"
    if dim == "link_coordinator":
        return (
            "LEFT JOIN schools_linkassignment bl ON bl.school_id = x.school_id",
            "coalesce(bl.user_id::text, '')",
            "x.school_id IS NOT NULL",
        )
    if dim == "characteristic":
        cases = ", ".join(
            f"CASE WHEN {characteristic_sql(code, 'bp')} THEN '{code}' END"
            for code in CHARACTERISTICS
        )
        return (
            f"JOIN schools_pupil bp ON bp.id = x.pupil_id "
            f"CROSS JOIN LATERAL unnest(ARRAY[{cases}]) AS bc(v)",
            "bc.v",
            "bc.v IS NOT NULL",
        )
    raise ValueError(f"no breakdown {dim!r}")


def tagged(spec: Spec, source: str, carry: str, dims: list[str], base_dim: str = "") -> str:
    """The rows of `source` once as they are and once more for each breakdown in `dims`.

    `carry` names the columns kept, as x.column; the result adds `dim` and `bucket`. With
    `base_dim` (a column of the source holding a split of its own), only the rows without a
    split are broken down further.
    """
    if base_dim:
        parts = [f"SELECT {carry}, x.{base_dim} AS dim, x.val AS bucket FROM {source} x"]
        only = f"x.{base_dim} = ''"
    else:
        parts = [f"SELECT {carry}, ''::text AS dim, ''::text AS bucket FROM {source} x"]
        only = "TRUE"
    for dim in dims:
        join, value, condition = _bucket(spec, dim)
        parts.append(
            f"SELECT {carry}, '{dim}'::text, {value} FROM {source} x {join} "
            f"WHERE {only} AND {condition}"
        )
    return "\nUNION ALL\n".join(parts)


# Attendance --------------------------------------------------------------------------------------


def _window_case(spec: Spec) -> str:
    """The index of the term window a record falls in, by its last day; NULL for none.

    A record counts in the term in which its period ends, so a weekly record straddling a term's
    first day counts wholly in that term and every record counts in exactly one term. Records
    must lie within one academic year, as the derived year-to-date figures require.
    """
    whens = " ".join(
        f"WHEN r.period_end BETWEEN %(w{i}_lo)s AND %(w{i}_hi)s "
        f"AND r.period_start >= %(w{i}_year)s THEN {i}"
        for i in range(len(spec.windows))
    )
    return f"CASE {whens} END"


def _pupils_in_scope(spec: Spec) -> str:
    """Which pupils' records are read. A school's pupils' records at other schools are read too:
    a pupil's year-to-date severity counts every school's sessions."""
    conditions = []
    if spec.schools is not None:
        conditions.append(
            """r.pupil_id IN (
                SELECT sr.pupil_id FROM attendance_attendancerecord sr
                WHERE sr.school_id = ANY(%(schools)s)
                    AND sr.period_end BETWEEN %(first_day)s AND %(last_day)s
                UNION
                SELECT se.pupil_id FROM schools_enrolment se WHERE se.school_id = ANY(%(schools)s)
            )"""
        )
    if spec.characteristic:
        conditions.append(pupil_ok(spec, "r.pupil_id"))
    return "".join(f" AND {condition}" for condition in conditions)


@dataclasses.dataclass(frozen=True)
class Columns:
    """Which sums of sessions each period needs, as columns of the per-pupil rows.

    Records are summed once, per pupil and school, into one column per set of term windows: a
    term's own window, a year to date's windows, and the windows before a term (for "severe
    before"). Periods sharing a set share its column.
    """

    sets: tuple[tuple[int, ...], ...]  # column k sums the windows sets[k]
    own: tuple[int, ...]  # per period: the column of its own days
    ytd: tuple[int, ...]  # per period: the column of the year to its end
    before: tuple[int | None, ...]  # per period: the year before its term; None: last year's


def columns(spec: Spec) -> Columns:
    sets: list[tuple[int, ...]] = []

    def column(windows: list[int]) -> int:
        key = tuple(sorted(windows))
        if key not in sets:
            sets.append(key)
        return sets.index(key)

    own: list[int] = []
    ytd: list[int] = []
    before: list[int | None] = []
    for p in spec.periods:
        same_year = [i for i, w in enumerate(spec.windows) if w.start_year == p.start_year]
        whole = p.kind in ("year", "last_year")
        own.append(
            column([i for i in same_year if spec.windows[i].ord == p.ord or (
                whole and spec.windows[i].ord <= p.ord)])
        )  # fmt: skip
        ytd.append(column([i for i in same_year if spec.windows[i].ord <= p.ord]))
        if whole or p.ord == 0:
            before.append(None)
        else:
            before.append(column([i for i in same_year if spec.windows[i].ord < p.ord]))
    return Columns(tuple(sets), tuple(own), tuple(ytd), tuple(before))


def without_repeats(spec: Spec) -> tuple[Spec, list[int]]:
    """The spec with each period once that no other period before it equals, and for each
    period, the index of the one computed for it in that spec.

    Two periods are equal when every part of the statement reads the same of them: their year,
    days (flows), day at the end (stocks) and the terms summed for their own figures, their year
    to date and before them. In a year's first term, the term and the year to date are equal.
    """
    cols = columns(spec)

    def terms(k: int | None) -> tuple[int, ...] | None:
        return None if k is None else cols.sets[k]

    keys = [
        (p.start_year, p.lo, p.hi, p.as_of, terms(cols.own[i]), terms(cols.ytd[i]),
         terms(cols.before[i]))
        for i, p in enumerate(spec.periods)
    ]  # fmt: skip
    kept = list(dict.fromkeys(keys))
    periods = tuple(spec.periods[keys.index(key)] for key in kept)
    return dataclasses.replace(spec, periods=periods), [kept.index(key) for key in keys]


def _names(cols: Columns, k: int) -> tuple[str, ...]:
    """The sums column k needs: all five for a period's own figures; sessions alone for a year
    to date or the terms before a period, which only judge severity."""
    return ("poss", "att", "susp", "srec", "c2") if k in cols.own else ("poss", "att")


def _sums(cols: Columns, source: str = "") -> str:
    """Sums of every column over grouped rows (of recs)."""
    return ", ".join(
        f"sum({source}{name}_{k})::int AS {name}_{k}"
        for k in range(len(cols.sets))
        for name in _names(cols, k)
    )


def _over(expr: str, threshold: str, k: int | None, row: str = "") -> str:
    """Whether absence over column k is at least the threshold (% of possible sessions)."""
    if k is None:
        return "FALSE"
    poss, att = f"{row}poss_{k}", f"{row}att_{k}"
    return f"coalesce({poss} > 0 AND ({poss} - {att}) * 100 >= {threshold} * {poss}, false)"


def _wide(cols: Columns, *, possible: str, attended: str, records: str) -> str:
    """Sessions summed into one set of columns per set of term windows, from rows `r` carrying
    the window they fall in (`win`): from records, or from detail rows already summed per term
    (whose count of records carrying suspensions is itself a sum)."""
    sums = {
        "poss": f"sum(r.{possible})",
        "att": f"sum(r.{attended})",
        "susp": "sum(r.suspensions)",
        "srec": records,
        "c2": "sum(r.c2)",
    }
    return ",\n                ".join(
        ", ".join(
            f"{sums[name]} FILTER (WHERE r.win IN ({', '.join(map(str, ws))}))::int AS {name}_{k}"
            for name in _names(cols, k)
        )
        for k, ws in enumerate(cols.sets)
    )


def base_ctes(spec: Spec) -> list[tuple[str, str]]:
    window = _window_case(spec)
    cols = columns(spec)
    wide = _wide(
        cols,
        possible="possible_sessions",
        attended="attended_sessions",
        records="count(r.suspensions)",
    )
    return [
        (
            "periods",
            """SELECT * FROM unnest(%(p_code)s::int[], %(p_kind)s::text[], %(p_year)s::int[],
                %(p_ord)s::int[], %(p_lo)s::date[], %(p_hi)s::date[], %(p_as_of)s::date[])
                AS t(code, kind, start_year, ord, lo, hi, as_of)""",
        ),
        (
            # The days periods end on: periods ending the same day (a term and its year to
            # date) share what is looked up for that day.
            "period_ends",
            "SELECT DISTINCT as_of FROM periods",
        ),
        (
            # One wide row per pupil and school: the only scan of the raw records. A column
            # with no record in its windows is NULL (no data), not 0.
            "recs",
            f"""SELECT r.pupil_id, r.school_id,
                {wide}
            FROM (
                SELECT r.pupil_id, r.school_id, r.possible_sessions, r.attended_sessions,
                    r.suspensions, coalesce((r.code_counts ->> 'C2')::int, 0) AS c2,
                    {window} AS win
                FROM attendance_attendancerecord r
                WHERE r.period_end BETWEEN %(first_day)s AND %(last_day)s
                    {_pupils_in_scope(spec)}
            ) AS r
            WHERE r.win IS NOT NULL
            GROUP BY 1, 2""",
        ),
        (
            # Per pupil, every school: what their year-to-date severity is judged on.
            "pupil_sums",
            f"SELECT pupil_id, {_sums(cols)} FROM recs GROUP BY pupil_id",
        ),
    ]


def summary_base_ctes(spec: Spec) -> list[tuple[str, str]]:
    """As base_ctes, but recs holds only the pupils kept in detail (reports.summary): movers,
    and pupils severely absent by some term's end or with C2 sessions; mrecs only the movers."""
    cols = columns(spec)
    window = " ".join(
        f"WHEN r.start_year = {w.start_year} AND r.term = {w.ord} THEN {i}"
        for i, w in enumerate(spec.windows)
    )

    wide = _wide(
        cols, possible="possible", attended="attended", records="sum(r.suspension_records)"
    )
    years = sorted({w.start_year for w in spec.windows})
    movers = ", ".join(
        f"coalesce(bool_or(r.mover) FILTER (WHERE r.start_year = {year}), false) AS mover_{year}"
        for year in years
    )
    moved = ", ".join(
        f"CASE WHEN r.mover_{spec.windows[ws[0]].start_year} THEN r.{name}_{k} END AS {name}_{k}"
        for k, ws in enumerate(cols.sets)
        for name in _names(cols, k)
    )

    return [
        *base_ctes(spec)[:2],  # periods and period_ends
        (
            "detail",
            f"""SELECT r.*, CASE {window} END AS win
            FROM reports_attendancedetail r
            WHERE r.start_year = ANY(%(years)s) {_pupils_in_scope(spec)}""",
        ),
        (
            # Grouped in order (the rows come sorted by pupil from its index): each pupil and
            # school's sums are finished as soon as their rows are, rather than every group
            # kept in a hash table too big for memory (264,000 groups nationally).
            "recs",
            f"""SELECT r.pupil_id, r.school_id, {wide}, {movers}
            FROM (
                SELECT * FROM detail r WHERE r.win IS NOT NULL ORDER BY r.pupil_id, r.school_id
            ) AS r
            GROUP BY 1, 2""",
        ),
        (
            # A pupil is a mover or not for a whole year: a mover's sums are their sums in recs,
            # not summed again.
            "mrecs",
            f"""SELECT r.pupil_id, r.school_id, {moved} FROM recs r
            WHERE {" OR ".join(f"r.mover_{year}" for year in years)}""",
        ),
        (
            # Grouped in order too: recs is already in order of pupil, so sorting it costs little.
            "pupil_sums",
            f"""SELECT pupil_id, {_sums(cols)}
            FROM (SELECT * FROM recs ORDER BY pupil_id) AS r GROUP BY pupil_id""",
        ),
        ("mpupil_sums", f"SELECT pupil_id, {_sums(cols)} FROM mrecs GROUP BY pupil_id"),
    ]


def _attendance_aggregates(spec: Spec, cols: Columns) -> str:
    parts = []
    for i, k in enumerate(cols.own):
        counted = f"poss_{k} > 0"
        parts += [
            f"sum(poss_{k} - att_{k}) AS absent_{i}",
            f"sum(poss_{k}) AS poss_{i}",
            f"count(*) FILTER (WHERE {counted}) AS pupils_{i}",
            f"count(*) FILTER (WHERE {_over('', '%(persistent)s', k)}) AS persistent_{i}",
            f"count(*) FILTER (WHERE {_over('', '%(severe)s', k)}) AS severe_{i}",
            f"coalesce(sum(susp_{k}) FILTER (WHERE srec_{k} > 0), 0) AS susp_{i}",
            f"count(*) FILTER (WHERE srec_{k} > 0) AS susp_pupils_{i}",
        ]
    return ",\n                ".join(parts)


def attendance_ctes(spec: Spec, *, summary: bool = False) -> list[tuple[str, str]]:
    """Measures 1–4 per bucket, each pupil judged on their sessions within the bucket: a pupil
    who moved school at each school on their sessions there, and LA-wide on all of them.

    With `summary`, the pupils judged here are only the movers (mrecs); every other pupil's
    counts are added from the stored summaries (summary_ctes)."""
    cols = columns(spec)
    aggregates = _attendance_aggregates(spec, cols)
    in_scope = school_ok(spec, "r.school_id")
    recs, pupil_sums = ("mrecs", "mpupil_sums") if summary else ("recs", "pupil_sums")
    ctes = [
        (
            "att_pupil",
            f"SELECT * FROM {pupil_sums}"
            if spec.schools is None
            else f"SELECT pupil_id, {_sums(cols)} FROM {recs} r WHERE {in_scope} GROUP BY pupil_id",
        )
    ]
    selects = [f"SELECT ''::text AS dim, ''::text AS bucket, {aggregates} FROM att_pupil"]
    dims = ["phase"] + ([spec.breakdown] if spec.breakdown not in ("", "phase") else [])
    for dim in dims:
        if dim == "school":
            selects.append(
                f"SELECT 'school', r.school_id::text, {aggregates} FROM {recs} r "
                f"WHERE {in_scope} GROUP BY r.school_id"
            )
        elif dim == "characteristic":
            join, value, condition = _bucket(spec, dim)
            selects.append(
                f"SELECT 'characteristic', {value}, {aggregates} FROM att_pupil x {join} "
                f"WHERE {condition} GROUP BY {value}"
            )
        else:
            join, value, condition = _bucket(spec, dim)
            ctes.append(
                (
                    f"att_{dim}",
                    f"SELECT x.pupil_id, {value} AS bucket, {_sums(cols, 'x.')} FROM {recs} x "
                    f"{join} WHERE {school_ok(spec, 'x.school_id')} AND {condition} "
                    f"GROUP BY 1, 2",
                )
            )
            selects.append(f"SELECT '{dim}', bucket, {aggregates} FROM att_{dim} GROUP BY bucket")
    if not summary:
        ctes.append(("att_agg", "\nUNION ALL\n".join(selects)))
        return ctes
    ctes.append(("att_movers", "\nUNION ALL\n".join(selects)))
    return ctes + summary_ctes(spec, dims)


def summary_characteristics(spec: Spec) -> str:
    """Which rows of the summaries are read: every pupil's (''), or one characteristic's; and
    for the characteristic breakdown, each characteristic's besides."""
    if spec.breakdown == "characteristic":
        return "TRUE"
    return "s.characteristic = %(characteristic)s"


def can_summarise(spec: Spec) -> bool:
    """Whether the summaries can answer: not for a breakdown by characteristic within one, which
    would need the pairs of characteristics."""
    return not (spec.characteristic and spec.breakdown == "characteristic")


def summary_ctes(spec: Spec, dims: list[str]) -> list[tuple[str, str]]:
    """Measures 1–4 of the pupils who attended one school in the year, from the summaries, added
    to the movers' per bucket (att_movers), giving att_agg."""
    cols = columns(spec)
    wanted = ", ".join(
        f"({i}, {spec.periods[i].start_year}, {_terms_bits(spec, k)})"
        for i, k in enumerate(cols.own)
    )
    figures = []
    for i in range(len(spec.periods)):
        figures += [
            f"sum(c.absent) FILTER (WHERE c.period = {i}) AS absent_{i}",
            f"sum(c.possible) FILTER (WHERE c.period = {i}) AS poss_{i}",
            f"coalesce(sum(c.pupils) FILTER (WHERE c.period = {i}), 0) AS pupils_{i}",
            f"coalesce(sum(c.persistent) FILTER (WHERE c.period = {i}), 0) AS persistent_{i}",
            f"coalesce(sum(c.severe) FILTER (WHERE c.period = {i}), 0) AS severe_{i}",
            f"coalesce(sum(c.suspensions) FILTER (WHERE c.period = {i}), 0) AS susp_{i}",
            f"coalesce(sum(c.suspended) FILTER (WHERE c.period = {i}), 0) AS susp_pupils_{i}",
        ]
    aggregates = ",\n                ".join(figures)
    mine = "c.characteristic = %(characteristic)s"
    selects = [f"SELECT ''::text AS dim, ''::text AS bucket, {aggregates} FROM cube c WHERE {mine}"]
    for dim in dims:
        if dim == "phase":
            selects.append(
                f"SELECT 'phase', bs.phase, {aggregates} FROM cube c "
                f"JOIN schools_school bs ON bs.id = c.school_id WHERE {mine} GROUP BY bs.phase"
            )
        elif dim == "school":
            selects.append(
                f"SELECT 'school', c.school_id::text, {aggregates} FROM cube c WHERE {mine} "
                f"GROUP BY c.school_id"
            )
        elif dim == "link_coordinator":
            selects.append(
                f"SELECT 'link_coordinator', coalesce(bl.user_id::text, ''), {aggregates} "
                f"FROM cube c LEFT JOIN schools_linkassignment bl ON bl.school_id = c.school_id "
                f"WHERE {mine} GROUP BY 2"
            )
        elif dim == "characteristic":
            selects.append(
                f"SELECT 'characteristic', c.characteristic, {aggregates} FROM cube c "
                f"WHERE c.characteristic <> '' GROUP BY c.characteristic"
            )
    columns_ = ", ".join(
        f"sum({name}_{i}) AS {name}_{i}"
        for i in range(len(spec.periods))
        for name in ("absent", "poss", "pupils", "persistent", "severe", "susp", "susp_pupils")
    )
    return [
        (
            "cube",
            f"""SELECT s.*, v.period
            FROM (VALUES {wanted}) AS v(period, start_year, terms)
            JOIN reports_attendancesummary s ON s.start_year = v.start_year
                AND s.terms = v.terms
            WHERE {summary_characteristics(spec)} AND {school_ok(spec, "s.school_id")}""",
        ),
        ("att_summarised", "\nUNION ALL\n".join(selects)),
        (
            "att_agg",
            f"""SELECT dim, bucket, {columns_} FROM (
                SELECT * FROM att_movers UNION ALL SELECT * FROM att_summarised
            ) AS a GROUP BY dim, bucket""",
        ),
    ]


def _terms_bits(spec: Spec, k: int) -> int:
    """Column k's windows as the summaries' set of terms."""
    return sum(1 << spec.windows[w].ord for w in columns(spec).sets[k])


def attendance_select(spec: Spec) -> str:
    values = ",\n    ".join(
        f"({i}, '{measure}', a.{num}_{i}, a.{den}_{i})"
        for i in range(len(spec.periods))
        for measure, num, den in (
            ("overall_absence", "absent", "poss"),
            ("persistent_absence", "persistent", "pupils"),
            ("severe_absence", "severe", "pupils"),
            ("suspensions_per_100", "susp", "susp_pupils"),
        )
    )
    return f"""
SELECT v.measure, v.period, a.dim, a.bucket, v.num::numeric, v.den::numeric, NULL::numeric
FROM att_agg a CROSS JOIN LATERAL (VALUES
    {values}
) AS v(period, measure, num, den)"""


def attendance_drilldown(spec: Spec, measure: str, period: int) -> str:
    """Pupils behind an attendance count, judged as the count judges them."""
    k = columns(spec).own[period]
    condition = {
        "persistent_absence": _over("", "%(persistent)s", k),
        "severe_absence": _over("", "%(severe)s", k),
        "suspensions_per_100": f"coalesce(susp_{k} > 0, false)",
    }[measure]
    return (
        f"SELECT pupil_id FROM (SELECT pupil_id, {_sums(columns(spec))} FROM recs r "
        f"WHERE {school_ok(spec, 'r.school_id')} GROUP BY pupil_id) AS x WHERE {condition}"
    )


# Severity at term end and the coverage of the severely absent ----------------------------------


def severity_ctes(spec: Spec, *, summary: bool = False) -> list[tuple[str, str]]:
    """`sev` and `cov`. With `summary`, pupil_sums holds only the pupils kept in detail; a pupil
    severely absent the year before and in none of it has no figures this year that could make
    them severe, and is joined in with none."""
    cols = columns(spec)
    rows = []
    for i, p in enumerate(spec.periods):
        severe = _over("", "%(severe)s", cols.ytd[i], "x.")
        before = cols.before[i]
        # Before the year's first term (and for a whole year) "before" is the end of the
        # previous year, from its stored figures.
        was = (
            f"coalesce(x.severe_{p.start_year - 1}, false)"
            if before is None
            else _over("", "%(severe)s", before, "x.")
        )
        own = cols.own[i]
        rows.append(
            (str(i), severe, was, f"coalesce(x.poss_{own}, 0)", f"coalesce(x.att_{own}, 0)")
        )
    arrays = ", ".join(f"ARRAY[{', '.join(column)}]" for column in zip(*rows, strict=True))
    # OFFSET 0 keeps a table whole, to be joined by hash: the planner, expecting few pupils,
    # would look each one's rows up.
    whole = spec.schools is None
    cases = "(SELECT c.* FROM cases_case c OFFSET 0)" if whole else "cases_case"
    children = (
        "(SELECT pc.* FROM early_help_plans_planchild pc OFFSET 0)"
        if whole
        else "early_help_plans_planchild"
    )
    judged = {k for k in cols.ytd + cols.before if k is not None}
    candidates = sorted(_over("", "%(severe)s", k, "x.") for k in judged)
    previous = sorted({p.start_year - 1 for p in spec.periods})
    flags = ", ".join(f"bool_or(start_year = {year}) AS severe_{year}" for year in previous)
    sums = ", ".join(f"x.{name}_{k}" for k in range(len(cols.sets)) for name in _names(cols, k))
    if summary:
        # Only those with a record the figures count, as when every pupil's sums are read.
        present = f"""EXISTS (SELECT 1 FROM attendance_attendancerecord r
            WHERE r.pupil_id = pa.pupil_id AND r.period_end BETWEEN %(first_day)s AND %(last_day)s
                AND {_window_case(spec)} IS NOT NULL {_pupils_in_scope(spec)})"""
        source = f"""SELECT coalesce(x.pupil_id, pa.pupil_id) AS pupil_id, {sums},
                    {", ".join(f"pa.severe_{year}" for year in previous)},
                    pa.pupil_id IS NOT NULL AS was_severe_last_year
                FROM pupil_sums x
                FULL JOIN (SELECT * FROM previous_severe pa WHERE {present}) pa
                    ON pa.pupil_id = x.pupil_id"""
    else:
        source = f"""SELECT x.*, {", ".join(f"pa.severe_{year}" for year in previous)},
                    pa.pupil_id IS NOT NULL AS was_severe_last_year
                FROM pupil_sums x
                LEFT JOIN previous_severe pa ON pa.pupil_id = x.pupil_id"""
    return [
        (
            "previous_severe",
            f"""SELECT pupil_id, {flags} FROM attendance_pupilattendance
            WHERE is_severely_absent AND start_year = ANY(%(previous_years)s)
            GROUP BY pupil_id""",
        ),
        (
            # Severe at the period's end: year to date, as the identification queue judges it,
            # and counted at their school that day: the school that holds the case.
            "sev",
            f"""SELECT v.period, x.pupil_id, p.as_of, v.severe, v.was_severe,
                {school_at_for(spec)("x.pupil_id", "p.as_of")} AS school_id,
                v.in_poss > 0 AND v.in_att = 0 AS no_attendance, x.sen_status = 'E' AS ehcp,
                x.year_group IN {PRIMARY_YEARS} AS primary_age,
                x.year_group IN {SECONDARY_YEARS} AS secondary_age
            FROM (
                -- Only pupils severe at some period's end, or before it, are unpivoted. They are
                -- looked up in order of id, so that pupils on the same pages are read together.
                SELECT x.*, pu.sen_status, pu.year_group FROM (
                    SELECT * FROM ({source}) AS x
                    WHERE x.was_severe_last_year OR {" OR ".join(candidates)}
                    ORDER BY x.pupil_id OFFSET 0
                ) AS x
                JOIN schools_pupil pu ON pu.id = x.pupil_id
            ) AS x
            -- Parallel arrays, a column each: a VALUES list is prepared again for every pupil.
            CROSS JOIN LATERAL unnest(
                {arrays}
            ) AS v(period, severe, was_severe, in_poss, in_att)
            JOIN periods p ON p.code = v.period
            WHERE v.severe OR v.was_severe""",
        ),
        (
            # Pupils discussed on a link call in the 14 days to each period's end.
            "discussed",
            """SELECT DISTINCT d.pupil_id, a.as_of
            FROM period_ends a
            JOIN cases_linkcall lc ON lc.held_on BETWEEN a.as_of - 13 AND a.as_of
            JOIN cases_linkcalldiscussion d ON d.call_id = lc.id""",
        ),
        (
            # Cover depends only on the pupil and the day: periods ending the same day (a
            # term and its year to date) share it. `periods` has bit k set if the pupil is
            # severely absent at period k's end (that day).
            "cov_days",
            f"""SELECT pupil_id, as_of, {PERIOD_BITS} AS periods FROM sev
            WHERE severe GROUP BY pupil_id, as_of""",
        ),
        ("cov_pupils", "SELECT DISTINCT pupil_id FROM cov_days"),
        (
            # Each of those pupils' latest case open at the day's end. LA-wide, cases, plans'
            # children and other plans are read whole and joined by hash, rather than looked up
            # pupil by pupil (hundreds of thousands of look-ups nationally); for some schools,
            # their few pupils' are looked up.
            "open_cases",
            f"""SELECT DISTINCT ON (c.pupil_id, a.as_of) c.pupil_id, a.as_of, c.id,
                c.lead_professional_id, c.lead_professional_since, c.opened_on,
                clp.kind AS lead_kind
            FROM period_ends a
            JOIN {cases} c ON c.opened_on <= a.as_of
                AND (c.closed_on IS NULL OR c.closed_on > a.as_of)
            JOIN cov_pupils cp ON cp.pupil_id = c.pupil_id
            LEFT JOIN cases_leadprofessional clp ON clp.id = c.lead_professional_id
            ORDER BY c.pupil_id, a.as_of, c.opened_on DESC, c.id DESC""",
        ),
        (
            # Their latest Family Early Help Plan active at the day's end.
            "active_plans",
            f"""SELECT DISTINCT ON (pc.pupil_id, a.as_of) pc.pupil_id, a.as_of, pl.id,
                plp.kind AS lead_kind
            FROM period_ends a
            JOIN early_help_plans_earlyhelpplan pl ON pl.status <> 'draft'
                AND pl.agreed_on <= a.as_of AND (pl.closed_on IS NULL OR pl.closed_on > a.as_of)
            JOIN {children} pc ON pc.plan_id = pl.id
            JOIN cov_pupils cp ON cp.pupil_id = pc.pupil_id
            LEFT JOIN cases_leadprofessional plp ON plp.id = pl.lead_professional_id
            ORDER BY pc.pupil_id, a.as_of, pl.agreed_on DESC, pl.id DESC""",
        ),
        (
            # The kinds of other plans current that day on the open case.
            "other_kinds",
            """SELECT oc.pupil_id, oc.as_of, array_agg(DISTINCT op.kind::text) AS kinds
            FROM open_cases oc
            JOIN cases_otherplan op ON op.case_id = oc.id AND op.started_on <= oc.as_of
                AND (op.ended_on IS NULL OR op.ended_on >= oc.as_of)
            GROUP BY oc.pupil_id, oc.as_of""",
        ),
        (
            "cov_at",
            """SELECT s.pupil_id, s.as_of, s.periods,
                CASE WHEN oc.lead_professional_id IS NOT NULL AND (
                        coalesce(oc.lead_professional_since, oc.opened_on) <= s.as_of
                        OR EXISTS (SELECT 1 FROM cases_timelineentry te WHERE te.case_id = oc.id
                                   AND te.kind = 'lead' AND te.occurred_on <= s.as_of))
                    THEN oc.lead_kind ELSE fp.lead_kind END AS lead_kind,
                fp.id IS NOT NULL AS has_fehp,
                coalesce(ot.kinds, '{}'::text[]) AS other_kinds,
                dd.pupil_id IS NOT NULL AS discussed
            FROM cov_days s
            LEFT JOIN discussed dd ON dd.pupil_id = s.pupil_id AND dd.as_of = s.as_of
            LEFT JOIN open_cases oc ON oc.pupil_id = s.pupil_id AND oc.as_of = s.as_of
            LEFT JOIN active_plans fp ON fp.pupil_id = s.pupil_id AND fp.as_of = s.as_of
            LEFT JOIN other_kinds ot ON ot.pupil_id = s.pupil_id AND ot.as_of = s.as_of""",
        ),
        (
            "cov",
            """SELECT s.period, s.pupil_id, s.school_id, s.as_of, ca.lead_kind, ca.has_fehp,
                ca.other_kinds, ca.discussed
            FROM sev s JOIN cov_at ca ON ca.pupil_id = s.pupil_id AND ca.as_of = s.as_of
            WHERE s.severe""",
        ),
    ]


# Periods sharing an end day share what is worked out for that day; the periods a row counts in
# are then kept as bits (bit k: period k), and the row counted in each of them.
PERIOD_BITS = "bit_or(1::bigint << period)"  # of rows with a period, grouped by day


def in_period(bits: str) -> str:
    """Whether period p is one of `bits`."""
    return f"{bits} & (1::bigint << p.code) <> 0"


def _grouped(rows: str, read: str) -> str:
    """`rows` (a query with a period) grouped by the period and the columns the measures read of
    them (`read`), with the number of rows in each group (n): for counting a group at a time."""
    return f"SELECT period, {read}, count(*) AS n FROM ({rows}) AS g GROUP BY period, {read}"


def severity_sets(at: Callable[[str, str], str], *, counted: bool = False) -> str:
    """The severely absent and their cover: a row per pupil and cell (period, measure, dim, val,
    unit, pupil_id, school_id); or, `counted`, a row per cell with the number of pupils in it
    (period, measure, dim, val, n), where no breakdown, scope or filter needs each pupil (LA-wide
    in summer: 2.7 million rows counted one by one otherwise). The pupils are first grouped by
    what the measures read of them, so each cell counts the same pupils either way."""
    if counted:
        sev_read = "severe, was_severe, no_attendance, ehcp, primary_age, secondary_age"
        sev = f"({_grouped('SELECT * FROM sev', sev_read)}) AS s"
        # Each pupil's cover once a day, grouped, then counted in each period whose end (that
        # day) finds them severely absent: rather than a row for each pupil and period first.
        cov = f"""(SELECT p.code AS period, g.lead_kind, g.has_fehp, g.other_kinds, g.discussed, g.n
            FROM (SELECT periods, lead_kind, has_fehp, other_kinds, discussed, count(*) AS n
                  FROM cov_at GROUP BY 1, 2, 3, 4, 5) AS g
            JOIN periods p ON {in_period("g.periods")}) AS c"""
        sev_who, cov_who = "s.n", "c.n"
    else:
        sev, cov = "sev s", "cov c"
        sev_who = "s.pupil_id::bigint * 16 + 1 AS unit, s.pupil_id, s.school_id"
        cov_who = "c.pupil_id::bigint * 16 + 1, c.pupil_id, c.school_id"
    return f"""
SELECT s.period, m.measure, ''::text AS dim, ''::text AS val, {sev_who}
FROM {sev}
CROSS JOIN LATERAL (VALUES
    ('severe_at_term_end', s.severe),
    ('newly_severe', s.severe AND NOT s.was_severe),
    ('no_longer_severe', s.was_severe AND NOT s.severe),
    ('severe_no_attendance', s.severe AND s.no_attendance),
    ('severe_ehcp', s.severe AND s.ehcp),
    ('severe_primary_age', s.severe AND s.primary_age),
    ('severe_secondary_age', s.severe AND s.secondary_age)
) AS m(measure, yes)
WHERE m.yes
UNION ALL
SELECT c.period, m.measure, m.dim, m.val, {cov_who}
FROM {cov} CROSS JOIN LATERAL (
    SELECT 'with_lead', '', '' WHERE c.lead_kind IS NOT NULL
    UNION ALL SELECT 'with_lead', 'lead_professional_type', c.lead_kind
        WHERE c.lead_kind IS NOT NULL
    UNION ALL SELECT 'with_fehp', '', '' WHERE c.has_fehp
    UNION ALL SELECT 'with_plan', '', '' WHERE c.has_fehp OR cardinality(c.other_kinds) > 0
    UNION ALL SELECT 'with_plan', 'plan_type', 'family_early_help_plan' WHERE c.has_fehp
    UNION ALL SELECT 'with_plan', 'plan_type', k FROM unnest(c.other_kinds) AS k
    UNION ALL SELECT 'with_lead_and_plan', '', ''
        WHERE c.lead_kind IS NOT NULL AND (c.has_fehp OR cardinality(c.other_kinds) > 0)
    UNION ALL SELECT 'without_lead_or_plan', '', ''
        WHERE c.lead_kind IS NULL AND NOT c.has_fehp AND cardinality(c.other_kinds) = 0
    UNION ALL SELECT 'not_discussed_14_days', '', '' WHERE NOT c.discussed
) AS m(measure, dim, val)"""


# Cases ----------------------------------------------------------------------------------------

_CASE_OPEN = "c.opened_on <= p.as_of AND (c.closed_on IS NULL OR c.closed_on > p.as_of)"


def case_sets(at: Callable[[str, str], str], among: str = "TRUE", *, counted: bool = False) -> str:
    """Cases open, opened and closed, and steps up and down: a row per case (or step) and cell,
    for cases whose pupil meets `among` (a condition on c.pupil_id: ever_at); or, `counted`, a
    row per cell with the number of cases in it, grouped by what the measures read of them (as
    severity_sets)."""
    # Parallel arrays (measure, dim, value), a measure NULL where it does not apply: as for
    # reduced timetables, a LATERAL union of SELECTs was run again for every case and period.
    read = "open_at_end, opened_in, closed_in, rag, tier, link_coordinator_id, closure_reason"
    each = f"""SELECT p.code AS period, c.id, c.pupil_id,
        {at("c.pupil_id", "p.as_of")} AS school_id, {_CASE_OPEN} AS open_at_end,
        c.opened_on BETWEEN p.lo AND p.hi AS opened_in,
        c.closed_on BETWEEN p.lo AND p.hi AS closed_in,
        c.rag, c.tier, c.link_coordinator_id, c.closure_reason
    FROM cases_case c
    JOIN periods p ON c.opened_on <= p.hi AND (c.closed_on IS NULL OR c.closed_on >= p.lo)
    WHERE {among}"""
    steps = f"""SELECT p.code AS period, te.id, te.kind, c.pupil_id,
        {at("c.pupil_id", "p.as_of")} AS school_id
    FROM cases_timelineentry te
    JOIN cases_case c ON c.id = te.case_id
    JOIN periods p ON te.occurred_on BETWEEN p.lo AND p.hi
    WHERE te.kind IN ('stepped_up', 'stepped_down') AND {among}"""
    if counted:
        each, steps = _grouped(each, read), _grouped(steps, "kind")
        case_who, step_who = "c.n", "te.n"
    else:
        case_who = "c.id::bigint * 16 + 2, c.pupil_id, c.school_id"
        step_who = "te.id::bigint * 16 + 3, te.pupil_id, te.school_id"
    return f"""
SELECT c.period, m.measure, m.dim, m.val, {case_who}
FROM ({each}) AS c
CROSS JOIN LATERAL unnest(
    ARRAY[
        CASE WHEN c.open_at_end THEN 'cases_open' END,
        CASE WHEN c.open_at_end THEN 'cases_open' END,
        CASE WHEN c.open_at_end THEN 'cases_open' END,
        CASE WHEN c.open_at_end THEN 'cases_open' END,
        CASE WHEN c.opened_in THEN 'cases_opened' END,
        CASE WHEN c.closed_in THEN 'cases_closed' END,
        CASE WHEN c.closed_in THEN 'cases_closed' END
    ],
    ARRAY['', 'rag', 'tier', 'case_link_coordinator', '', '', 'case_closure_reason'],
    ARRAY['', c.rag, c.tier::text, coalesce(c.link_coordinator_id::text, ''), '', '',
          c.closure_reason]
) AS m(measure, dim, val)
WHERE m.measure IS NOT NULL
UNION ALL
SELECT te.period, CASE te.kind WHEN 'stepped_up' THEN 'step_ups' ELSE 'step_downs' END, '', '',
    {step_who}
FROM ({steps}) AS te"""


# Family Early Help Plans -------------------------------------------------------------------------


def by_plan(spec: Spec) -> bool:
    """Whether plans can be counted a row each rather than a row per child: LA-wide, with no
    filter or breakdown that asks which child, or at which school, a plan counts. Each then
    counts once a cell, like a severely absent pupil or a case."""
    return spec.schools is None and not spec.breakdown and not spec.characteristic


def plan_ctes(spec: Spec, *, per_plan: bool = False) -> list[tuple[str, str]]:
    at = school_at_for(spec)
    # LA-wide, nearly every plan is counted: their scores are read whole and joined by hash.
    # For some schools, only their plans' scores are looked up.
    plans_counted = "" if spec.schools is None else "AND s.plan_id IN (SELECT id FROM aspect_plans)"
    among = "" if spec.schools is None else "AND pl.id IN (SELECT pr.id FROM plan_rows pr)"
    reviewed = "" if spec.schools is None else "AND r.plan_id IN (SELECT pr.id FROM plan_rows pr)"
    children = (
        ""
        if per_plan
        else """LEFT JOIN early_help_plans_planchild pc ON pc.plan_id = pl.id
                AND pc.pupil_id IS NOT NULL"""
    )
    return [
        (
            # One row per child who is a pupil (a plan covers the family's children), or one
            # without a pupil for a plan with none: it counts LA-wide, at no school. With
            # `per_plan`, one row per plan and no pupil.
            "plan_rows",
            f"""SELECT pl.id, pl.agreed_on, pl.closed_on, pl.closure_reason,
                pl.attendance_before, pl.attendance_at_close,
                {"NULL::bigint AS pupil_id" if per_plan else "pc.pupil_id"}
            FROM early_help_plans_earlyhelpplan pl
            {children}
            WHERE pl.status <> 'draft' AND pl.agreed_on IS NOT NULL
                {"" if per_plan else f"AND {ever_at(spec, 'pc.pupil_id')}"}""",
        ),
        (
            # Each plan's latest review by each day a period ends: the reviews are read whole
            # and grouped, rather than looked up for each plan and period.
            "last_reviews",
            f"""SELECT r.plan_id, a.as_of, max(r.held_on) AS held_on
            FROM period_ends a
            JOIN early_help_plans_review r ON r.held_on <= a.as_of {reviewed}
            GROUP BY r.plan_id, a.as_of""",
        ),
        (
            "plan_periods",
            f"""SELECT pr.*, p.code AS period, p.lo, p.hi, p.as_of,
                {at("pr.pupil_id", "p.as_of")} AS school_id,
                pr.agreed_on <= p.as_of AND (pr.closed_on IS NULL OR pr.closed_on > p.as_of)
                    AS active,
                pr.closed_on BETWEEN p.lo AND p.hi AS closed_in,
                coalesce(lr.held_on, pr.agreed_on) + 42 AS due
            FROM plan_rows pr
            JOIN periods p ON pr.agreed_on <= p.hi
                AND (pr.closed_on IS NULL OR pr.closed_on >= p.lo)
            LEFT JOIN last_reviews lr ON lr.plan_id = pr.id AND lr.as_of = p.as_of""",
        ),
        (
            # The plans whose aspect scores are counted, and the days they are counted on;
            # `periods` has bit k set if the plan counts in period k (ending that day).
            "aspect_plans",
            f"""SELECT id, as_of, {PERIOD_BITS} AS periods FROM plan_periods
            WHERE active OR closed_in GROUP BY id, as_of""",
        ),
        (
            # Each aspect's score at each review against its first score, with the day the
            # next review to score that aspect replaced it (NULL while none has). Worked out
            # once for each review, then matched to each day by its range: not sorted for
            # every plan and day.
            "aspect_rescores",
            f"""SELECT s.plan_id, s.aspect, s.perspective, (s.score - f.score)::numeric AS change,
                r.held_on, lead(r.held_on) OVER (PARTITION BY s.plan_id, s.aspect, s.perspective
                                                 ORDER BY r.held_on, r.id) AS replaced_on
            FROM (
                -- OFFSET 0, here and for the first scores: both are read as a whole and
                -- joined by hash, neither looked up one by one for each of the other's rows.
                SELECT s.plan_id, s.aspect, s.perspective, s.score, s.review_id
                FROM early_help_plans_aspectscore s
                WHERE s.review_id IS NOT NULL AND s.score IS NOT NULL {plans_counted} OFFSET 0
            ) s
            JOIN early_help_plans_review r ON r.id = s.review_id
            JOIN (
                SELECT s.plan_id, s.aspect, s.perspective, s.score
                FROM early_help_plans_aspectscore s
                WHERE s.review_id IS NULL AND s.score IS NOT NULL {plans_counted} OFFSET 0
            ) f ON f.plan_id = s.plan_id AND f.aspect = s.aspect
                AND f.perspective = s.perspective""",
        ),
        _aspect_changes(spec, per_plan=per_plan),
        (
            # Every review that fell due: 42 days after the plan was agreed and after each
            # review; the next review held after it is on time if no later than the due day.
            # Each plan's days (agreed, and each review's, once a day) are sorted once and the
            # next review read off the days after: not looked up for each day.
            "review_bases",
            f"""SELECT b.plan_id, b.closed_on, b.base, b.base + 42 AS due,
                min(b.held_on) OVER (PARTITION BY b.plan_id ORDER BY b.base DESC
                                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                    AS next_held
            FROM (
                SELECT d.plan_id, d.closed_on, d.base, max(d.held_on) AS held_on
                FROM (
                    SELECT pl.id AS plan_id, pl.closed_on, pl.agreed_on AS base,
                        NULL::date AS held_on
                    FROM early_help_plans_earlyhelpplan pl
                    WHERE pl.status <> 'draft' AND pl.agreed_on IS NOT NULL {among}
                    UNION ALL
                    SELECT pl.id, pl.closed_on, r.held_on, r.held_on
                    FROM early_help_plans_earlyhelpplan pl
                    JOIN early_help_plans_review r ON r.plan_id = pl.id
                    WHERE pl.status <> 'draft' AND pl.agreed_on IS NOT NULL {among}
                ) AS d
                GROUP BY d.plan_id, d.closed_on, d.base
            ) AS b""",
        ),
    ]


def _aspect_changes(spec: Spec, *, per_plan: bool) -> tuple[str, str]:
    """Each aspect's change by a day, from its latest score by then: periods ending the same day
    share it. With `per_plan` (summed by ASPECT_SUMS, never read a plan at a time), instead
    `aspect_periods`: a row per later score, with every period it counts in (each period ends on
    one day, on which one score of each aspect is the latest). A plan's periods on each day are
    read from one row for the plan, not joined a row per plan and day (a million rows nationally
    in summer), and the rows are summed as they come, not kept first."""
    if not per_plan:
        return (
            "aspect_changes",
            """SELECT pa.id AS plan_id, pa.as_of, pa.periods, a.aspect, a.perspective, a.change
            FROM aspect_plans pa
            JOIN aspect_rescores a ON a.plan_id = pa.id AND a.held_on <= pa.as_of
                AND (a.replaced_on IS NULL OR a.replaced_on > pa.as_of)""",
        )
    days = [f"DATE '{day.isoformat()}'" for day in sorted({p.as_of for p in spec.periods})]
    on_day = " | ".join(
        f"CASE WHEN a.held_on <= {day} AND (a.replaced_on IS NULL OR a.replaced_on > {day}) "
        f"THEN pd.on_{j} ELSE 0 END"
        for j, day in enumerate(days)
    )
    by_day = ", ".join(
        f"coalesce({PERIOD_BITS} FILTER (WHERE as_of = {day}), 0) AS on_{j}"
        for j, day in enumerate(days)
    )
    return (
        "aspect_periods",
        f"""SELECT x.* FROM (
            SELECT {on_day} AS periods, a.aspect, a.perspective, a.change
            FROM aspect_rescores a
            JOIN (
                SELECT id, {by_day} FROM plan_periods WHERE active OR closed_in GROUP BY id
            ) AS pd ON pd.id = a.plan_id
        ) AS x
        WHERE x.periods <> 0""",
    )


_IMPACT = "pp.closed_in AND pp.attendance_before IS NOT NULL AND pp.attendance_at_close IS NOT NULL"


def plan_sets(
    at: Callable[[str, str], str], *, per_plan: bool = False, counted: bool = False
) -> str:
    """Plans, reviews, actions and audits: a row per unit and cell; or, `counted` (which needs
    `per_plan`), a row per cell with the number of units in it, grouped by what the measures
    read of them (as severity_sets)."""
    child = "NULL::bigint" if per_plan else "pc.pupil_id"
    children = (
        ""
        if per_plan
        else "LEFT JOIN early_help_plans_planchild pc ON pc.plan_id = ap.plan_id "
        "AND pc.pupil_id IS NOT NULL"
    )
    read = (
        "active, started_in, closed_in, closure_reason, stepped_up, overdue, impact, improved_10, "
        "was_severe, no_longer_severe"
    )
    plans = f"""SELECT pp.period, pp.id, pp.pupil_id, pp.school_id, pp.active,
        pp.agreed_on BETWEEN pp.lo AND pp.hi AS started_in, pp.closed_in, pp.closure_reason,
        (pp.closed_in AND pp.closure_reason = 'stepped_up')
            OR EXISTS (SELECT 1 FROM early_help_plans_review r WHERE r.plan_id = pp.id
                       AND r.next_step = 'step_up' AND r.held_on BETWEEN pp.lo AND pp.hi)
            AS stepped_up,
        pp.active AND pp.due < pp.as_of AS overdue,
        {_IMPACT} AS impact,
        {_IMPACT} AND pp.attendance_at_close - pp.attendance_before >= 10 AS improved_10,
        {_IMPACT} AND pp.attendance_before <= %(attendance_line)s AS was_severe,
        {_IMPACT} AND pp.attendance_before <= %(attendance_line)s
            AND pp.attendance_at_close > %(attendance_line)s AS no_longer_severe
    FROM plan_periods pp"""
    reviews = f"""SELECT p.code AS period, rb.plan_id, rb.base, pr.pupil_id,
        {at("pr.pupil_id", "p.as_of")} AS school_id, rb.next_held <= rb.due AS on_time
    FROM review_bases rb
    JOIN periods p ON rb.due BETWEEN p.lo AND p.hi
    JOIN plan_rows pr ON pr.id = rb.plan_id
    -- Due today with none held yet is not yet late; a plan that closed before its review fell
    -- due had no review due.
    WHERE (rb.next_held IS NOT NULL OR rb.due < %(today)s)
        AND (rb.next_held IS NOT NULL OR rb.closed_on IS NULL OR rb.closed_on > rb.due)"""
    actions = f"""SELECT p.code AS period, ai.id, pr.pupil_id,
        {at("pr.pupil_id", "p.as_of")} AS school_id, ai.readiness
    FROM early_help_plans_actionitem ai
    JOIN plan_rows pr ON pr.id = ai.plan_id
    JOIN periods p ON pr.agreed_on <= p.as_of AND (pr.closed_on IS NULL OR pr.closed_on > p.as_of)
    WHERE ai.readiness IS NOT NULL"""
    # Few rows: counted as they are.
    few = f"""SELECT p.code, 'plan_lead_changes', '', '', r.id::bigint * 16 + 5, pr.pupil_id,
    {at("pr.pupil_id", "p.as_of")}
FROM early_help_plans_review r
JOIN plan_rows pr ON pr.id = r.plan_id
JOIN periods p ON r.lead_changed_on BETWEEN p.lo AND p.hi
UNION ALL
SELECT p.code, 'plans_audited', m.dim, m.val, ap.id::bigint * 16 + 8, {child},
    {at(child, "p.as_of")}
FROM early_help_plans_auditedplan ap
{children}
JOIN periods p ON (ap.graded_at AT TIME ZONE %(tz)s)::date BETWEEN p.lo AND p.hi
CROSS JOIN LATERAL (VALUES ('', ''), ('grade', ap.grade)) AS m(dim, val)
WHERE ap.grade <> ''"""
    if counted:
        if not per_plan:
            raise ValueError("plans are counted a group at a time only when counted a row per plan")
        plans, reviews = _grouped(plans, read), _grouped(reviews, "on_time")
        actions = _grouped(actions, "readiness")
        few = f"""SELECT x.period, x.measure, x.dim, x.val, count(*)
FROM ({few}) AS x(period, measure, dim, val, unit, pupil_id, school_id) GROUP BY 1, 2, 3, 4"""
        plan_who = review_who = action_who = "x.n"
    else:
        plan_who = "x.id::bigint * 16 + 4, x.pupil_id, x.school_id"
        review_who = (
            "(x.plan_id::bigint * 65536 + (x.base - DATE '2000-01-01')) * 16 + 6, x.pupil_id, "
            "x.school_id"
        )
        action_who = "x.id::bigint * 16 + 7, x.pupil_id, x.school_id"
    return f"""
SELECT x.period, m.measure, m.dim, m.val, {plan_who}
FROM ({plans}) AS x CROSS JOIN LATERAL (
    SELECT 'plans_active', '', '' WHERE x.active
    UNION ALL SELECT 'plans_started', '', '' WHERE x.started_in
    UNION ALL SELECT 'plans_closed', '', '' WHERE x.closed_in
    UNION ALL SELECT 'plans_closed', 'plan_closure_reason', x.closure_reason WHERE x.closed_in
    UNION ALL SELECT 'plans_stepped_up', '', '' WHERE x.stepped_up
    UNION ALL SELECT 'plans_overdue', '', '' WHERE x.overdue
    UNION ALL SELECT 'impact_plans', '', '' WHERE x.impact
    UNION ALL SELECT 'impact_improved_10', '', '' WHERE x.improved_10
    UNION ALL SELECT 'impact_was_severe', '', '' WHERE x.was_severe
    UNION ALL SELECT 'impact_no_longer_severe', '', '' WHERE x.no_longer_severe
) AS m(measure, dim, val)
UNION ALL
SELECT x.period, m.measure, '', '', {review_who}
FROM ({reviews}) AS x CROSS JOIN LATERAL (
    SELECT 'reviews_due' UNION ALL SELECT 'reviews_on_time' WHERE x.on_time
) AS m(measure)
UNION ALL
SELECT x.period, 'readiness', m.dim, m.val, {action_who}
FROM ({actions}) AS x
CROSS JOIN LATERAL (VALUES ('', ''), ('readiness', x.readiness::text)) AS m(dim, val)
UNION ALL
{few}"""


def plan_vals(at: Callable[[str, str], str], *, aspects: bool = True) -> str:
    """Values for means and medians, a row per unit and cell; without `aspects`, not the aspect
    changes (see ASPECT_SUMS)."""
    values = f"""
SELECT pp.period, 'days_overdue', '', '', pp.id::bigint * 16 + 4, pp.pupil_id, pp.school_id,
    (pp.as_of - pp.due)::numeric
FROM plan_periods pp WHERE pp.active AND pp.due < pp.as_of
UNION ALL
SELECT pp.period, 'impact_attendance_change', '', '', pp.id::bigint * 16 + 4, pp.pupil_id,
    pp.school_id, pp.attendance_at_close - pp.attendance_before
FROM plan_periods pp WHERE {_IMPACT}"""
    if not aspects:
        return values
    return f"""{values}
UNION ALL
-- Each aspect's first score against its score at the latest review by the period's end, for
-- plans active then or closed in the period.
SELECT pp.period, 'aspect_change_' || a.perspective, 'aspect', a.aspect, pp.id::bigint * 16 + 4,
    pp.pupil_id, pp.school_id, a.change
FROM plan_periods pp JOIN aspect_changes a ON a.plan_id = pp.id AND a.as_of = pp.as_of
WHERE pp.active OR pp.closed_in"""


# Where plans are counted a row each (by_plan), each aspect's changes are summed and counted by
# the periods they count in (aspect_periods), and each sum added to those periods: not a row for
# each plan, aspect and period first (1.3 million nationally in summer).
ASPECT_SUMS = f"""
SELECT 'aspect_change_' || g.perspective, p.code, 'aspect'::text, g.aspect::text, sum(g.total),
    sum(g.n)::numeric, NULL::numeric
FROM (
    SELECT periods, aspect, perspective, sum(change) AS total, count(*) AS n
    FROM aspect_periods GROUP BY 1, 2, 3
) AS g
JOIN periods p ON {in_period("g.periods")}
GROUP BY 1, 2, 3, 4"""


# Reduced timetables ---------------------------------------------------------------------------

_RUNNING = "t.started_on <= p.as_of AND (t.ended_on IS NULL OR t.ended_on > p.as_of)"
_OVER_SIX_WEEKS = f"{_RUNNING} AND t.started_on <= p.as_of - 42"
# Each measure of a timetable `t` in a period `p`, and whether the timetable counts in it.
_TIMETABLE_MEASURES = {
    "rtt_started": "t.started_on BETWEEN p.lo AND p.hi",
    "rtt_on_at_end": _RUNNING,
    "rtt_ended": "t.ended_on BETWEEN p.lo AND p.hi",
    "rtt_ended_full_time": "t.ended_on BETWEEN p.lo AND p.hi AND t.returned_full_time",
    "rtt_over_6_weeks": _OVER_SIX_WEEKS,
    "rtt_over_6_weeks_no_return_plan": f"{_OVER_SIX_WEEKS} AND btrim(t.return_plan) = ''",
}


def timetable_sets(at: Callable[[str, str], str], *, counted: bool = False) -> str:
    """Pupils on reduced timetables: a row per timetable, period and measure, each pupil counted
    once however many timetables they had; or, `counted` (as severity_sets), a row per cell with
    the number of pupils in it, each pupil's timetables first made one row a period."""
    flags = _TIMETABLE_MEASURES
    if counted:
        any_of = ", ".join(
            f"coalesce(bool_or({test}), false) AS {name}" for name, test in flags.items()
        )
        pupils = f"""SELECT p.code AS period, t.pupil_id, {any_of}
        FROM cases_reducedtimetable t
        JOIN periods p ON t.started_on <= p.hi AND (t.ended_on IS NULL OR t.ended_on >= p.lo)
        GROUP BY p.code, t.pupil_id"""
        measures = ", ".join(f"('{name}', g.{name})" for name in flags)
        return f"""
SELECT g.period, m.measure, '', '', g.n
FROM ({_grouped(pupils, ", ".join(flags))}) AS g
CROSS JOIN LATERAL (VALUES {measures}) AS m(measure, yes)
WHERE m.yes"""
    # One array a row, its measures where they apply: a LATERAL union of a SELECT per measure
    # was planned as a subquery run again for every timetable and period (4 s nationally).
    return f"""
SELECT p.code, m.measure, '', '', t.pupil_id::bigint * 16 + 1, t.pupil_id, t.school_id
FROM cases_reducedtimetable t
JOIN periods p ON t.started_on <= p.hi AND (t.ended_on IS NULL OR t.ended_on >= p.lo)
CROSS JOIN LATERAL unnest(ARRAY[
    {", ".join(f"CASE WHEN {test} THEN '{name}' END" for name, test in flags.items())}
]) AS m(measure)
WHERE m.measure IS NOT NULL"""


def c2_sets(spec: Spec) -> str:
    """Pupils with C2 (part-time timetable) sessions in the period at a school, and no reduced
    timetable recorded for them that ran at any time in the period."""
    cols = columns(spec)
    values = ", ".join(f"({i}, r.c2_{k})" for i, k in enumerate(cols.own))
    return f"""
SELECT v.period, 'c2_without_rtt', '', '', r.pupil_id::bigint * 16 + 1, r.pupil_id, r.school_id
FROM (SELECT * FROM recs WHERE {" OR ".join(f"c2_{k} > 0" for k in set(cols.own))}) AS r
CROSS JOIN LATERAL (VALUES {values}) AS v(period, c2)
JOIN periods p ON p.code = v.period
WHERE v.c2 > 0 AND NOT EXISTS (
    SELECT 1 FROM cases_reducedtimetable t WHERE t.pupil_id = r.pupil_id
        AND t.started_on <= p.hi AND (t.ended_on IS NULL OR t.ended_on >= p.lo))"""


# Schools ----------------------------------------------------------------------------------------


def school_sets(spec: Spec, *, summary: bool = False) -> str:
    """Open schools, and those with no attendance record in the period."""
    cols = columns(spec)
    has = ", ".join(f"bool_or(poss_{k} IS NOT NULL) AS has_{k}" for k in range(len(cols.sets)))
    which = " ".join(f"WHEN {i} THEN d.has_{k}" for i, k in enumerate(cols.own))
    recorded = "recs"
    if summary:
        own = sorted(set(cols.own))
        recorded = f"""(
            SELECT school_id, {", ".join(f"poss_{k}" for k in own)} FROM mrecs
            UNION ALL
            SELECT s.school_id, {
            ", ".join(
                f"CASE WHEN s.start_year = {spec.windows[cols.sets[k][0]].start_year} "
                f"AND s.terms = {_terms_bits(spec, k)} THEN 0 END"
                for k in own
            )
        }
            FROM reports_attendancesummary s
            WHERE s.characteristic = %(characteristic)s AND s.start_year = ANY(%(years)s)
        )"""
        has = ", ".join(f"bool_or(poss_{k} IS NOT NULL) AS has_{k}" for k in own)
    return f"""
SELECT p.code, 'schools_in_scope', '', '', s.id::bigint * 16 + 9, NULL::bigint, s.id
FROM schools_school s CROSS JOIN periods p WHERE s.is_open
UNION ALL
SELECT p.code, 'schools_without_data', '', '', s.id::bigint * 16 + 9, NULL::bigint, s.id
FROM schools_school s CROSS JOIN periods p
LEFT JOIN (SELECT school_id, {has} FROM {recorded} AS r GROUP BY school_id) d
    ON d.school_id = s.id
WHERE s.is_open AND NOT coalesce(CASE p.code {which} END, false)"""


SCHOOL_MEASURES = "('schools_in_scope', 'schools_without_data')"


# The statement ----------------------------------------------------------------------------------

# For this transaction only: the statement is one long query whose compilation by PostgreSQL's JIT
# costs far more than it saves (seconds, for hundreds of expressions), and whose sorts of a few
# hundred thousand per-pupil rows fit in memory with a little more than the default.
SESSION = "SET LOCAL jit = off; SET LOCAL work_mem = '64MB'"
# The two halves side by side already keep two cores busy: a parallel worker for one of them
# only adds the cost of splitting and merging its work (0.6 s LA-wide nationally in summer).
SIDE_BY_SIDE_SESSION = f"{SESSION}; SET LOCAL max_parallel_workers_per_gather = 0"


# Parts computed once whatever uses them: folded into their user, they would be computed again
# for each of its rows.
MATERIALIZED = ("cov_at", "aspect_changes")


def _with(ctes: list[tuple[str, str]]) -> str:
    # PostgreSQL keeps a part used twice (recs, sev…) and folds a part used once into its user.
    return "WITH " + ",\n".join(
        f"{name} AS {'MATERIALIZED ' if name in MATERIALIZED else ''}(\n{body}\n)"
        for name, body in ctes
    )


def _sets_ctes(
    spec: Spec, *, sets: list[str], vals: list[str], unique: list[str] | None = None
) -> list[tuple[str, str]]:
    """`sets` (and `vals`) of the parts given, within scope. With `unique`, those parts' rows go
    to `usets` instead: parts counting each unit at most once a cell (each pupil, case or school
    once a period and measure), which are counted without sorting them for distinct units."""
    scoped = (
        f"{school_ok(spec, 'x.school_id')} "
        f"AND (x.measure IN {SCHOOL_MEASURES} OR {pupil_ok(spec, 'x.pupil_id')})"
    )
    ctes = [
        (
            name,
            "SELECT x.* FROM (\n"
            + "\nUNION ALL\n".join(parts)
            + "\n) AS x(period, measure, dim, val, unit, pupil_id, school_id)"
            + f"\nWHERE {scoped}",
        )
        for name, parts in (("sets", sets), ("usets", unique or []))
        if parts
    ]
    if vals:
        ctes.append(
            (
                "vals",
                "SELECT x.* FROM (\n"
                + "\nUNION ALL\n".join(vals)
                + "\n) AS x(period, measure, dim, val, unit, pupil_id, school_id, amount)"
                + f"\nWHERE {scoped}",
            )
        )
    return ctes


# The two halves of the measures, which share no part: two connections can compute them side by
# side, on one snapshot.
PARTS = ("people", "plans")


def statement(spec: Spec, *, summary: bool = False, part: str = "") -> str:
    """Every measure: rows of (measure, period, dim, bucket, numerator, denominator, median).

    With `summary`, measures 1–4 come from the stored attendance summaries (reports.summary),
    which must be up to date; otherwise every pupil's records are read. With `part`, only one
    half of the measures: "people" (attendance, the severely absent, cases, schools, reduced
    timetables) or "plans" (Family Early Help Plans); each measure is counted in one half."""
    if part and part not in PARTS:
        raise ValueError(f"no part {part!r}")
    people, plans_too = part != "plans", part != "people"
    dims = [spec.breakdown] if spec.breakdown else []
    summary = summary and can_summarise(spec)
    at = school_at_for(spec)
    per_plan = by_plan(spec)
    plans = [plan_sets(at, per_plan=per_plan)] if plans_too and not per_plan else []
    timetables = [] if per_plan else [timetable_sets(at)]
    sets = ([*timetables, c2_sets(spec)] if people else []) + plans
    # Where no breakdown, scope or filter needs each pupil (as for plans), the severely absent,
    # cases, reduced timetables and plans are counted a group at a time, not a row each.
    counted = (
        (
            [
                severity_sets(at, counted=True),
                case_sets(at, counted=True),
                timetable_sets(at, counted=True),
            ]
            if people
            else []
        )
        + ([plan_sets(at, per_plan=True, counted=True)] if plans_too else [])
        if per_plan
        else []
    )
    unique = (
        [school_sets(spec, summary=summary)]
        + ([] if per_plan else [severity_sets(at), case_sets(at, ever_at(spec, "c.pupil_id"))])
        if people
        else []
    )
    vals = [plan_vals(at, aspects=not per_plan)] if plans_too else []
    ctes = (
        (summary_base_ctes(spec) if summary else base_ctes(spec))
        + (attendance_ctes(spec, summary=summary) + severity_ctes(spec, summary=summary)
           if people else [])
        + (plan_ctes(spec, per_plan=per_plan) if plans_too else [])
        + _sets_ctes(spec, sets=sets, unique=unique, vals=vals)
    )  # fmt: skip
    selects = [attendance_select(spec)] if people else []
    if sets:
        ctes.append(("sets_tagged", tagged(spec, "sets", "x.period, x.measure, x.unit", dims,
                                           "dim")))  # fmt: skip
        selects.append("""
SELECT measure, period, dim, bucket, count(DISTINCT unit)::numeric, NULL::numeric, NULL::numeric
FROM sets_tagged GROUP BY 1, 2, 3, 4""")
    if unique:
        ctes.append(("usets_tagged", tagged(spec, "usets", "x.period, x.measure", dims, "dim")))
        selects.append("""
SELECT measure, period, dim, bucket, count(*)::numeric, NULL::numeric, NULL::numeric
FROM usets_tagged GROUP BY 1, 2, 3, 4""")
    if counted:
        ctes.append(("counted", "\nUNION ALL\n".join(counted)))
        selects.append("""
SELECT measure, period, dim, val, sum(n)::numeric, NULL::numeric, NULL::numeric
FROM counted AS x(period, measure, dim, val, n) GROUP BY 1, 2, 3, 4""")
    if vals:
        ctes.append(("vals_tagged", tagged(spec, "vals", "x.period, x.measure, x.unit, x.amount",
                                           dims, "dim")))  # fmt: skip
        # A plan with several children gives a row for each, counted once; a row each plan, once.
        source = (
            "vals_tagged"
            if per_plan
            else "(SELECT DISTINCT measure, period, dim, bucket, unit, amount FROM vals_tagged)"
        )
        # Medians need their values sorted; means do not, and are most of the rows (aspects).
        medians = ", ".join(f"'{m.code}'" for m in MEASURES if m.kind == Kind.MEDIAN)
        selects.append(f"""
SELECT measure, period, dim, bucket, sum(amount), count(*)::numeric,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY amount)::numeric
FROM {source} AS v WHERE measure IN ({medians})
GROUP BY 1, 2, 3, 4
UNION ALL
SELECT measure, period, dim, bucket, sum(amount), count(*)::numeric, NULL::numeric
FROM {source} AS v WHERE measure NOT IN ({medians})
GROUP BY 1, 2, 3, 4""")
    if plans_too and per_plan:
        selects.append(ASPECT_SUMS)
    return _with(ctes) + "\nUNION ALL".join(selects)


def attendance_statement(spec: Spec, *, summary: bool = False) -> str:
    """Measures 1–4 alone, as `statement` computes them: for a comparison that needs no more
    (a targeting support meeting pack's LA figures)."""
    summary = summary and can_summarise(spec)
    ctes = (summary_base_ctes(spec) if summary else base_ctes(spec)) + attendance_ctes(
        spec, summary=summary
    )
    return f"{_with(ctes)}\n{attendance_select(spec)}"


def drilldown_statement(spec: Spec, measure: str, period: int, *, summary: bool = False) -> str:
    """The pupils behind one count of the period: SELECTs pupil_id, given %(d_period)s,
    %(d_measure)s, and %(d_dim)s and %(d_val)s for a split ('' for none).

    With `summary` (up-to-date attendance summaries), measures other than 1–4 read only the
    pupils kept in detail, as their counts do; measures 1–4 always read every pupil's records."""
    at = school_at_for(spec)
    if measure in ATTENDANCE_MEASURES:
        return f"{_with(base_ctes(spec))}\n{attendance_drilldown(spec, measure, period)}"
    summary = summary and can_summarise(spec)
    ctes = summary_base_ctes(spec) if summary else base_ctes(spec)
    part = _part_of(measure)
    if part == "severity":
        ctes += severity_ctes(spec, summary=summary)
        sets = [severity_sets(at)]
    elif part == "plans":
        ctes += plan_ctes(spec)
        sets = [plan_sets(at)]
    elif part == "cases":
        sets = [case_sets(at, ever_at(spec, "c.pupil_id"))]
    else:
        sets = [timetable_sets(at), c2_sets(spec)]
    ctes += _sets_ctes(spec, sets=sets, vals=[])
    return f"""{_with(ctes)}
SELECT DISTINCT pupil_id FROM sets
WHERE measure = %(d_measure)s AND period = %(d_period)s AND dim = %(d_dim)s AND val = %(d_val)s
    AND pupil_id IS NOT NULL"""


def _part_of(measure: str) -> str:
    number = BY_CODE[measure].number
    if number in (6, 7):
        return "severity"
    if number == 8:
        return "cases"
    if number in (9, 10, 11, 12, 13):
        return "plans"
    return "timetables"
