"""The authorization matrix's vocabulary: roles, outcomes and common rows.

Rows for each area of the service live in a module here (cases.py, timetables.py, link_calls.py)
and are merged in tests/test_authorization_matrix.py.
"""

ROLES = (
    "anonymous",
    "administrator",
    "manager",
    "link_coordinator",
    "pastoral_lead",
    "other_school_pastoral_lead",
    "early_help_worker",
    "user_without_role",
)
OK, SIGN_IN, FORBIDDEN, NOT_FOUND, REDIRECT = "ok", "sign-in", "403", "404", "redirect"


def row(anonymous=SIGN_IN, default=FORBIDDEN, **by_role):
    outcomes = dict.fromkeys(ROLES, default)
    outcomes["anonymous"] = anonymous
    outcomes.update(by_role)
    return outcomes


SIGNED_IN_OK = row(default=OK)
ADMIN_ONLY = row(administrator=OK)
ADMIN_ONLY_POST = row(administrator=REDIRECT)
ANY_ROLE = row(default=OK, user_without_role=FORBIDDEN)
SCHOOL_STAFF = row(
    administrator=OK,
    manager=OK,
    link_coordinator=OK,
    pastoral_lead=OK,
    other_school_pastoral_lead=OK,
)
PUBLIC = row(anonymous=OK, default=OK)
IMPORT_AT_A = row(
    administrator=OK,
    manager=OK,
    link_coordinator=OK,
    pastoral_lead=OK,
    other_school_pastoral_lead=NOT_FOUND,
)
