"""Every URL in the project, for every role: deny by default, proved from outside.

A URL added without a row here fails `test_every_url_has_a_row_in_the_matrix`. Pupil data is at
school A; `other_school_pastoral_lead` works at school B and must get 404 (not even 403, which
would confirm the pupil exists) for anything of school A's.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from attendance.models import AttendanceImport
from early_help_plans.models import EarlyHelpPlan
from early_help_plans.services import start_plan
from tests.factories import (
    AcademicYearFactory,
    CaseActionFactory,
    CaseFactory,
    LinkAssignmentFactory,
    LinkCallFactory,
    OtherPlanFactory,
    PupilFactory,
    ReducedTimetableFactory,
    SchoolStaffFactory,
    TrackingMeetingFactory,
    UserFactory,
)
from tests.matrix_rows import (
    ADMIN_ONLY,
    ADMIN_ONLY_POST,
    ANY_ROLE,
    FORBIDDEN,
    IMPORT_AT_A,
    NOT_FOUND,
    OK,
    PUBLIC,
    REDIRECT,
    ROLES,
    SCHOOL_STAFF,
    SIGN_IN,
    SIGNED_IN_OK,
    row,
)
from tests.matrix_rows import audits as audit_rows
from tests.matrix_rows import cases as case_rows
from tests.matrix_rows import link_calls as link_call_rows
from tests.matrix_rows import plan_documents as plan_document_rows
from tests.matrix_rows import plans as plan_rows
from tests.matrix_rows import reports as report_rows
from tests.matrix_rows import targeting as targeting_rows
from tests.matrix_rows import termly as termly_rows
from tests.matrix_rows import timetables as timetable_rows

# url name -> (method, the object its arguments name, outcome by role)
CORE = {
    "home": ("get", None, ANY_ROLE),
    "healthz": ("get", None, PUBLIC),
    "privacy": ("get", None, PUBLIC),
    "accessibility": ("get", None, PUBLIC),
    "accounts:sign-in": ("get", None, row(anonymous=OK, default=REDIRECT)),
    "accounts:sign-out": ("post", None, row(anonymous=SIGN_IN, default=SIGN_IN)),
    "accounts:two-factor-setup": ("get", None, SIGNED_IN_OK),
    "accounts:two-factor-verify": ("get", None, SIGNED_IN_OK),
    "accounts:recovery-codes": ("post", None, row(default=REDIRECT)),
    "accounts:account": ("get", None, SIGNED_IN_OK),
    "accounts:password-change": ("get", None, SIGNED_IN_OK),
    "accounts:user-list": ("get", None, ADMIN_ONLY),
    "accounts:user-create": ("get", None, ADMIN_ONLY),
    "accounts:user-edit": ("get", "user", ADMIN_ONLY),
    "accounts:user-reset-two-factor": ("post", "user", ADMIN_ONLY_POST),
    "schools:school-list": ("get", None, SCHOOL_STAFF),
    "schools:school-create": ("get", None, ADMIN_ONLY),
    "schools:school-detail": (
        "get",
        "school",
        row(
            administrator=OK,
            manager=OK,
            link_coordinator=OK,
            pastoral_lead=OK,
            other_school_pastoral_lead=NOT_FOUND,
        ),
    ),
    "schools:school-edit": ("get", "school", ADMIN_ONLY),
    "schools:staff-add": ("get", "school", ADMIN_ONLY),
    "schools:staff-remove": ("post", "membership", ADMIN_ONLY_POST),
    "schools:link-add": ("get", "school", ADMIN_ONLY),
    "schools:link-remove": ("post", "assignment", ADMIN_ONLY_POST),
    "schools:pupil-list": ("get", None, ANY_ROLE),
    "schools:pupil-export": ("get", None, SCHOOL_STAFF),
    "schools:pupil-create": ("get", None, row(administrator=OK, link_coordinator=OK)),
    "schools:pupil-detail": (
        "get",
        "pupil",
        row(
            administrator=OK,
            manager=OK,
            link_coordinator=OK,
            pastoral_lead=OK,
            other_school_pastoral_lead=NOT_FOUND,
            early_help_worker=NOT_FOUND,
        ),
    ),
    "schools:pupil-edit": (
        "get",
        "pupil",
        row(
            administrator=OK,
            link_coordinator=OK,
            other_school_pastoral_lead=NOT_FOUND,
            early_help_worker=NOT_FOUND,
        ),
    ),
    "schools:pupil-move": (
        "get",
        "pupil",
        row(
            administrator=OK,
            link_coordinator=OK,
            other_school_pastoral_lead=NOT_FOUND,
            early_help_worker=NOT_FOUND,
        ),
    ),
    "schools:pupil-history": (
        "get",
        "pupil",
        row(administrator=OK, other_school_pastoral_lead=NOT_FOUND, early_help_worker=NOT_FOUND),
    ),
    "schools:term-list": ("get", None, ADMIN_ONLY),
    "attendance:import-list": ("get", None, SCHOOL_STAFF),
    "attendance:import-start": (
        "get",
        None,
        row(administrator=OK, link_coordinator=OK, pastoral_lead=OK, other_school_pastoral_lead=OK),
    ),
    # An import of school A's file by its pastoral lead: outsiders cannot tell it exists.
    "attendance:import-detail": ("get", "import", IMPORT_AT_A),
    "attendance:import-progress": ("get", "import", IMPORT_AT_A),
    "attendance:import-problems": ("get", "import", IMPORT_AT_A),
    "attendance:import-confirm": (
        "post",
        "import",
        row(
            administrator=REDIRECT,
            link_coordinator=REDIRECT,
            pastoral_lead=REDIRECT,
            manager=FORBIDDEN,
            other_school_pastoral_lead=NOT_FOUND,
        ),
    ),
    "attendance:queue": (
        "get",
        None,
        row(administrator=OK, manager=OK, link_coordinator=OK),
    ),
    "attendance:dismiss": (
        "get",
        "pupil",
        row(
            administrator=OK,
            link_coordinator=OK,
            manager=FORBIDDEN,
            other_school_pastoral_lead=NOT_FOUND,
            early_help_worker=NOT_FOUND,
        ),
    ),
    "attendance:at-risk": ("get", None, SCHOOL_STAFF),
    "schools:academic-year-create": ("get", None, ADMIN_ONLY),
    "schools:academic-year-edit": ("get", "academic_year", ADMIN_ONLY),
}


MATRIX = {
    **CORE,
    **case_rows.ROWS,
    **timetable_rows.ROWS,
    **link_call_rows.ROWS,
    **plan_rows.ROWS,
    **plan_document_rows.ROWS,
    **audit_rows.ROWS,
    **targeting_rows.ROWS,
    **report_rows.ROWS,
    **termly_rows.ROWS,
}


def _named_patterns(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _named_patterns(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}" if pattern.name else f"(unnamed) {pattern.pattern}"


def test_every_url_has_a_row_in_the_matrix():
    in_project = set(_named_patterns(get_resolver().url_patterns))

    assert in_project - MATRIX.keys() == set(), "add these URLs to the authorization matrix"
    assert MATRIX.keys() - in_project == set(), "these rows name URLs that no longer exist"


def _case_at(school):
    return CaseFactory(pupil=PupilFactory(current_school=school))


# Sample objects at school A, by the name a row gives them: each returns the URL's arguments.
SAMPLES = {
    "case": lambda school: [_case_at(school).pk],
    "closed_case": lambda school: [
        CaseFactory(
            pupil=PupilFactory(current_school=school),
            status="closed",
            closed_on="2025-10-01",
            closure_reason="outcomes_achieved",
        ).pk
    ],
    "case_action": lambda school: [
        (action := CaseActionFactory(case=_case_at(school))).case_id,
        action.pk,
    ],
    "other_plan": lambda school: [
        (plan := OtherPlanFactory(case=_case_at(school))).case_id,
        plan.pk,
    ],
    "timetable": lambda school: [
        ReducedTimetableFactory(pupil=PupilFactory(current_school=school)).pk
    ],
    "link_call": lambda school: [LinkCallFactory(school=school).pk],
    "meeting": lambda school: [_meeting_for(school).pk],
    "plan": lambda school: [_plan_at(school).pk],
    **plan_document_rows.SAMPLES,
    **plan_rows.SAMPLES,
    **audit_rows.SAMPLES,
    **targeting_rows.SAMPLES,
    **termly_rows.SAMPLES,
}


def _plan_at(school):
    plan = start_plan(
        family_name="the Specimen family",
        children=[PupilFactory(current_school=school)],
        by=SchoolStaffFactory(school=school).user,
    )
    EarlyHelpPlan.objects.filter(pk=plan.pk).update(consent_to_share=True)
    return plan


def _meeting_for(school):
    meeting = TrackingMeetingFactory()
    meeting.schools.add(school)
    return meeting


def _url(name, thing, school_a):
    if thing is None:
        return reverse(name)
    if thing == "school":
        return reverse(name, args=[school_a.pk])
    if thing == "pupil":
        return reverse(name, args=[PupilFactory(current_school=school_a).pk])
    if thing == "user":
        return reverse(name, args=[UserFactory().pk])
    if thing == "membership":
        membership = SchoolStaffFactory(school=school_a)
        return reverse(name, args=[school_a.pk, membership.pk])
    if thing == "assignment":
        assignment = LinkAssignmentFactory(school=school_a)
        return reverse(name, args=[school_a.pk, assignment.pk])
    if thing == "import":
        maker = SchoolStaffFactory(school=school_a).user
        record = AttendanceImport.objects.create(
            file_name="a.csv",
            sha256="0" * 64,
            created_by=maker,
            school_ids=[school_a.pk],
            status=AttendanceImport.Status.CHECKED,
            stored_file="/nonexistent/a.csv",
        )
        return reverse(name, args=[record.pk])
    if thing in SAMPLES:
        return reverse(name, args=SAMPLES[thing](school_a))
    if thing == "academic_year":
        return reverse(name, args=[AcademicYearFactory().pk])
    raise AssertionError(f"no sample object for {thing}")


def _outcome(response):
    if response.status_code == 200:
        return OK
    if response.status_code == 302:
        return SIGN_IN if "/account/sign-in/" in response["Location"] else REDIRECT
    return str(response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url_name", sorted(MATRIX))
def test_each_role_gets_the_expected_answer_from_each_url(
    client, request, school_a, school_b, url_name, role
):
    method, thing, expected = MATRIX[url_name]
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    url = _url(url_name, thing, school_a)

    response = getattr(client, method)(url)

    assert _outcome(response) == expected[role], f"{role} {method.upper()} {url}"
