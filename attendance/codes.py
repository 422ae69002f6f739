"""The 2024 attendance register codes, kept as data because the codes change.

School Attendance (Pupil Registration) (England) Regulations 2024, in force 19 August 2024. Five
categories: present and attending an approved educational activity both count as attended; all
absence, authorised or not (illness and C2 included), counts towards persistent and severe
absence; "not a possible session" codes are excluded from both sides of the rate.
"""

import enum


class Category(enum.StrEnum):
    PRESENT = "present"
    APPROVED_ACTIVITY = "approved_activity"
    AUTHORISED = "authorised"
    UNAUTHORISED = "unauthorised"
    NOT_POSSIBLE = "not_possible"


CODES: dict[str, Category] = {
    **dict.fromkeys(["/", "\\", "L"], Category.PRESENT),
    **dict.fromkeys(["K", "V", "P", "W", "B"], Category.APPROVED_ACTIVITY),
    **dict.fromkeys(["C1", "M", "J1", "S", "C2", "C", "T", "R", "I", "E"], Category.AUTHORISED),
    **dict.fromkeys(["G", "N", "O", "U"], Category.UNAUTHORISED),
    **dict.fromkeys(
        ["D", "X", "Q", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7", "Z", "#"], Category.NOT_POSSIBLE
    ),
}

# Withdrawn in 2024, with the codes that replaced them.
WITHDRAWN: dict[str, str] = {
    "H": "C, C1 or C2 (leave of absence)",
    "J": "J1 (interview)",
    "Y": "Y1 to Y7 (unable to attend because of exceptional circumstances)",
}

# Which total each code_XX column of an import must fit within (attendance import rule 3).
TOTAL_FOR_CATEGORY = {
    Category.PRESENT: "attended_sessions",
    Category.APPROVED_ACTIVITY: "attended_sessions",
    Category.AUTHORISED: "authorised_absence",
    Category.UNAUTHORISED: "unauthorised_absence",
}

PART_TIME_TIMETABLE = "C2"
SUSPENSION = "E"
ILLNESS = "I"


def importable_codes() -> dict[str, str]:
    """code -> the column its count falls within; `/` and `\\` cannot name a column."""
    return {
        code: TOTAL_FOR_CATEGORY[category]
        for code, category in CODES.items()
        if category in TOTAL_FOR_CATEGORY and code not in {"/", "\\"}
    }
