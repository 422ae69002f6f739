# ruff: noqa: F811 - the fixtures of test_measures are imported and then asked for by name
"""The stored attendance summaries (reports.summary) follow every change to what they summarise.

Each figure here is worked out by hand; `figures` also checks every answer against the same
figures read from every pupil's records (tests/reports/test_measures.py).
"""

from decimal import Decimal

import pytest
from django.db import connection, transaction

from attendance.models import AttendanceRecord
from reports import measures, summary
from reports.measures import Filters
from reports.models import AttendanceDetail, AttendanceSummary, AttendanceSummaryStale
from schools.models import Pupil, Term
from tests.factories import LinkAssignmentFactory, PupilFactory, SchoolFactory
from tests.reports.test_measures import (  # noqa: F401 - fixtures among them
    AUTUMN,
    SPRING,
    TODAY,
    YEAR,
    D,
    attendance_world,
    cell,
    figures,
    record,
    school_c,
    terms,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def other_schools(db):
    """Schools with no records: a school or two changing here is too few of them for the
    summaries to be rebuilt whole, so the tests below bring up to date only what changed."""
    return [SchoolFactory() for _ in range(12)]


def test_when_many_schools_change_the_year_is_rebuilt_whole(terms, other_schools):
    pupils = [PupilFactory(current_school=school) for school in other_schools[:4]]
    for pupil in pupils:
        record(pupil, pupil.current_school, D(2025, 9, 8), D(2025, 9, 12), 10, 0)
    figures(terms["autumn"])
    for pupil in pupils:
        record(pupil, pupil.current_school, D(2025, 9, 15), D(2025, 9, 19), 10, 10)

    # 4 of 12 schools changed: more than a quarter. Each pupil: 10 of 20 missed.
    assert cell(figures(terms["autumn"]), "severe_absence")[:2] == (4, 4)


def test_a_record_written_after_the_figures_were_read_counts_the_next_time(terms, school_a):
    pupil = PupilFactory(current_school=school_a)
    record(pupil, school_a, D(2025, 9, 8), D(2025, 9, 12), 10, 10)
    assert cell(figures(terms["autumn"]), "severe_absence") == (0, 1, Decimal("0.0"))

    record(pupil, school_a, D(2025, 9, 15), D(2025, 9, 19), 10, 0)

    # 10 of 20 sessions missed: severely absent.
    assert cell(figures(terms["autumn"]), "severe_absence") == (1, 1, Decimal("100.0"))


def test_a_pupil_who_starts_at_a_second_school_is_then_judged_on_both(terms, school_a, school_b):
    pupil = PupilFactory(current_school=school_a)
    record(pupil, school_a, D(2025, 9, 8), D(2025, 9, 12), 10, 5)
    before = figures(terms["autumn"], breakdown="school")
    assert cell(before, "severe_absence")[:2] == (1, 1)

    # 5 of 10 missed at A, none of 10 at B: 25% across the LA, persistently but not severely
    # absent; still severely absent at A, on A's sessions.
    record(pupil, school_b, D(2025, 10, 6), D(2025, 10, 10), 10, 10)
    after = figures(terms["autumn"], breakdown="school")

    assert cell(after, "severe_absence")[:2] == (0, 1)
    assert cell(after, "persistent_absence")[:2] == (1, 1)
    assert cell(after, "severe_absence", breakdown="school", key=school_a.pk)[:2] == (1, 1)
    assert cell(after, "severe_absence", breakdown="school", key=school_b.pk)[:2] == (0, 1)
    assert AttendanceDetail.objects.filter(pupil=pupil, mover=True).count() == 2


def test_a_pupil_whose_second_schools_records_are_removed_counts_at_one_school_again(
    terms, school_a, school_b
):
    pupil = PupilFactory(current_school=school_a)
    record(pupil, school_a, D(2025, 9, 8), D(2025, 9, 12), 10, 5)
    second = record(pupil, school_b, D(2025, 10, 6), D(2025, 10, 10), 10, 10)
    assert cell(figures(terms["autumn"]), "severe_absence")[:2] == (0, 1)

    second.delete()

    assert cell(figures(terms["autumn"]), "severe_absence")[:2] == (1, 1)
    assert not AttendanceDetail.objects.filter(pupil=pupil, mover=True).exists()


def test_a_pupils_changed_characteristic_moves_them_into_the_filtered_figures(
    terms, attendance_world
):
    meals = Filters(characteristic="free_school_meals")
    assert cell(figures(terms["autumn"], filters=meals), "overall_absence")[:2] == (0, 0)

    one = Pupil.objects.get(pk=attendance_world["one"].pk)
    one.free_school_meals = True
    one.save()

    # Pupil 1: 2 of 20 sessions missed.
    assert cell(figures(terms["autumn"], filters=meals), "overall_absence") == (
        2, 20, Decimal("10.0"))  # fmt: skip


def test_changed_term_dates_rebuild_the_summaries(terms, school_a):
    pupil = PupilFactory(current_school=school_a)
    record(pupil, school_a, D(2025, 12, 15), D(2025, 12, 19), 10, 0)
    record(pupil, school_a, D(2026, 1, 5), D(2026, 1, 9), 10, 10)
    assert cell(figures(terms["spring"]), "overall_absence") == (10, 10, Decimal("100.0"))

    # Autumn now ends a week earlier: the December week falls in spring.
    Term.objects.filter(pk=terms["autumn"].pk).update(ends_on=D(2025, 12, 12))
    result = figures(terms["spring"])

    assert cell(result, "overall_absence") == (0, 0, None)
    assert cell(result, "overall_absence", period=SPRING) == (10, 20, Decimal("50.0"))


def test_a_breakdown_by_link_coordinator_counts_a_pupil_once_across_their_schools(
    terms, school_a, school_b
):
    coordinator = LinkAssignmentFactory(school=school_a).user
    LinkAssignmentFactory(school=school_b, user=coordinator)
    pupil = PupilFactory(current_school=school_a)
    record(pupil, school_a, D(2025, 9, 8), D(2025, 9, 12), 10, 0)
    record(pupil, school_b, D(2025, 10, 6), D(2025, 10, 10), 10, 10)

    result = figures(terms["autumn"], breakdown="link_coordinator")

    # 10 of 20 missed across the co-ordinator's two schools: severely absent, once.
    assert cell(result, "severe_absence", breakdown="link_coordinator", key=coordinator.pk)[:2] == (
        1,
        1,
    )


@pytest.mark.parametrize("breakdown", ["", "phase", "school", "link_coordinator", "characteristic"])
@pytest.mark.parametrize("characteristic", ["", "free_school_meals"])
def test_every_breakdown_and_filter_agrees_with_every_pupils_records(
    terms, attendance_world, school_a, school_b, breakdown, characteristic
):
    LinkAssignmentFactory(school=school_b)
    Pupil.objects.filter(pk=attendance_world["two"].pk).update(
        free_school_meals=True, sen_status="K"
    )
    three = PupilFactory(current_school=SchoolFactory(), free_school_meals=True)
    record(three, three.current_school, D(2024, 9, 9), D(2024, 9, 13), 10, 2)  # last year
    record(three, three.current_school, D(2025, 9, 8), D(2025, 9, 12), 10, 4, c2=2)

    figures(terms["spring"], breakdown=breakdown, filters=Filters(characteristic=characteristic))
    figures(terms["autumn"], breakdown=breakdown, schools=[school_a.pk, school_b.pk])


def test_stale_summaries_are_not_used_where_they_cannot_be_refreshed(terms, attendance_world):
    figures(terms["autumn"])
    record(attendance_world["one"], attendance_world["one"].current_school, D(2025, 10, 6),
           D(2025, 10, 10), 10, 0)  # fmt: skip
    assert AttendanceSummaryStale.objects.exists()

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION READ ONLY")
        result = measures.compute(terms["autumn"], today=TODAY)

    # Pupil 1 now 12 of 30 missed, pupil 2 10 of 20: 22 of 50, read from the records.
    assert cell(result, "overall_absence")[:2] == (22, 50)
    assert AttendanceSummaryStale.objects.exists()


def test_an_import_leaves_the_summaries_up_to_date(terms, school_a):
    pupil = PupilFactory(current_school=school_a)
    figures(terms["autumn"])
    AttendanceRecord.objects.create(
        pupil=pupil, school=school_a, period_start=D(2025, 9, 8), period_end=D(2025, 9, 12),
        possible_sessions=10, attended_sessions=9, authorised_absence=1, unauthorised_absence=0,
    )  # fmt: skip

    assert summary.refresh_stale() == [2025]

    assert not AttendanceSummaryStale.objects.exists()
    row = AttendanceSummary.objects.get(school=school_a, terms=1, characteristic="")
    assert (row.pupils, row.absent, row.possible) == (1, 1, 10)


def test_the_year_to_date_is_summarised_over_the_terms_so_far(terms, attendance_world, school_a):
    result = figures(terms["spring"])

    # Autumn's figures are the year's so far: 12 of 40 missed.
    assert cell(result, "overall_absence", period=YEAR) == (12, 40, Decimal("30.0"))
    assert cell(result, "overall_absence", period=AUTUMN) == (12, 40, Decimal("30.0"))


def test_records_of_a_year_without_terms_leave_nothing_stale(terms, school_a):
    pupil = PupilFactory(current_school=school_a)
    record(pupil, school_a, D(2023, 9, 11), D(2023, 9, 15), 10, 10)

    assert summary.refresh_stale() == []

    assert not AttendanceSummaryStale.objects.exists()
