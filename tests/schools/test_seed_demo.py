"""`manage.py seed_demo`: deterministic, fictional demo data loaded by COPY."""

import datetime as dt
import io
import itertools
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from accounts.models import User
from schools import demo
from schools.models import (
    AcademicYear,
    Enrolment,
    EnrolmentEvent,
    LinkAssignment,
    Pupil,
    PupilEvent,
    School,
    SchoolStaff,
    Term,
)
from schools.upn import make_upn, validate_upn

pytestmark = pytest.mark.django_db

NAMED_LOGINS = {
    "admin@council.example": ("Ada Administrator", "is_administrator"),
    "manager@council.example": ("Mo Manager", "is_manager"),
    "link.coordinator@council.example": ("Lin Coordinator", "is_link_coordinator"),
    "pastoral.lead@council.example": ("Pat Pastoral", None),
    "other.pastoral.lead@council.example": ("Oli Otherschool", None),
    "early.help@council.example": ("Eli Earlyhelp", "is_early_help_worker"),
}
ROLE_FLAGS = ("is_administrator", "is_manager", "is_link_coordinator", "is_early_help_worker")


@pytest.fixture(autouse=True)
def _empty_database() -> None:
    """Start empty even if an interrupted run left rows behind (rolled back after each test)."""
    demo.truncate()


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def snapshot() -> list[tuple[object, ...]]:
    """Everything about the loaded rows except their ids and timestamps."""
    pupils = Pupil.objects.values_list(
        "upn",
        "given_name",
        "family_name",
        "date_of_birth",
        "year_group",
        "sen_status",
        *Pupil.CHARACTERISTICS,
        "current_school__urn",
    )
    enrolments = Enrolment.objects.values_list(
        "pupil__upn", "school__urn", "started_on", "ended_on"
    )
    schools = School.objects.values_list("urn", "establishment_number", "name", "phase", "is_open")
    users = User.objects.values_list("email", "full_name", *ROLE_FLAGS)
    return sorted(map(tuple, pupils)) + sorted(enrolments) + sorted(schools) + sorted(users)


def load_schema() -> dict[str, list[tuple[object, ...]]]:
    tables = ["schools_pupil", "schools_enrolment"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY 1",
            [tables],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = ANY(%s::regclass[]) ORDER BY 1",
            [tables],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT tgname, tgenabled FROM pg_trigger"
            " WHERE tgrelid = ANY(%s::regclass[]) AND NOT tgisinternal ORDER BY 1",
            [tables],
        )
        triggers = cursor.fetchall()
    return {"indexes": indexes, "constraints": constraints, "triggers": triggers}


def year_groups_taught(phase: str) -> set[str]:
    kinds = [groups for kind, groups in demo.YEAR_GROUPS.items() if kind.split("_with")[0] == phase]
    return {code for groups in kinds for code, _, _ in groups}


def current_start_year() -> int:
    return AcademicYear.start_year_for(timezone.localdate())


def test_demo_scale_loads_six_schools_and_600_pupils() -> None:
    output = seed("--scale", "demo")

    assert School.objects.count() == 6
    assert Pupil.objects.count() == 600
    assert "600" in output
    assert "demo-password" in output
    for email in NAMED_LOGINS:
        assert email in output
    schools = list(School.objects.order_by("urn"))
    assert [s.urn for s in schools] == [f"{100001 + i}" for i in range(6)]
    assert all(s.establishment_number.startswith("960-") for s in schools)
    assert len({s.establishment_number for s in schools}) == 6
    assert Counter(s.phase for s in schools)["primary"] >= 3


def test_named_logins_have_their_roles_and_the_demo_password() -> None:
    seed("--scale", "demo")
    schools = list(School.objects.order_by("urn"))

    for email, (full_name, flag) in NAMED_LOGINS.items():
        user = User.objects.get(email=email)
        assert user.full_name == full_name
        assert user.check_password("demo-password")
        assert [f for f in ROLE_FLAGS if getattr(user, f)] == ([flag] if flag else [])

    lin = User.objects.get(email="link.coordinator@council.example")
    lins_schools = School.objects.filter(link_assignments__user=lin).order_by("urn")
    assert list(lins_schools) == schools[:3]
    pat = User.objects.get(email="pastoral.lead@council.example")
    oli = User.objects.get(email="other.pastoral.lead@council.example")
    assert SchoolStaff.objects.get(user=pat).school == schools[0]
    assert SchoolStaff.objects.get(user=oli).school == schools[-1]
    assert SchoolStaff.objects.get(user=pat).job_role == SchoolStaff.JobRole.PASTORAL_LEAD
    assert schools[-1] not in lins_schools
    # Scope: Pat sees only the first school's pupils, Lin the first three schools'.
    assert set(Pupil.objects.visible_to(pat).values_list("current_school", flat=True)) == {
        schools[0].pk
    }
    assert set(Pupil.objects.visible_to(lin).values_list("current_school", flat=True)) == {
        s.pk for s in schools[:3]
    }
    # Every open school has a link co-ordinator.
    assert not School.objects.filter(is_open=True, link_assignments__isnull=True).exists()


def test_every_pupil_is_consistent_with_their_year_group_school_and_upn() -> None:
    seed("--scale", "demo")
    start_year = current_start_year()
    family_names = set(demo.FAMILY_NAMES)

    pupils = list(Pupil.objects.select_related("current_school"))
    for pupil in pupils:
        validate_upn(pupil.upn)
        year = demo.YEAR_NUMBER[pupil.year_group]
        born_from = dt.date(start_year - year - 5, 9, 1)
        assert born_from <= pupil.date_of_birth < born_from.replace(year=born_from.year + 1)
        school = pupil.current_school
        assert school.is_open
        assert pupil.year_group in year_groups_taught(school.phase)
        assert pupil.family_name in family_names
        # The UPN was allocated by the current school.
        assert pupil.upn[1:8] == school.establishment_number.replace("-", "")
    assert len({p.upn for p in pupils}) == len(pupils)


def test_enrolments_start_on_1_september_or_a_move_day_and_earlier_end_the_day_before() -> None:
    seed("--scale", "demo")
    today = timezone.localdate()
    move_days = set(demo.move_days(current_start_year(), today))

    current = Enrolment.objects.filter(ended_on__isnull=True)
    assert current.count() == Pupil.objects.count()
    moved_this_year = 0
    for enrolment in current.select_related("pupil"):
        assert enrolment.school_id == enrolment.pupil.current_school_id
        if (enrolment.started_on.month, enrolment.started_on.day) != (9, 1):
            # Moved this academic year: on a Monday in term, in a week already over.
            assert enrolment.started_on in move_days
            moved_this_year += 1
        assert enrolment.started_on <= today
    assert moved_this_year <= 30

    earlier = list(Enrolment.objects.filter(ended_on__isnull=False))
    assert 3 <= len(earlier) <= 30  # about 2% of 600
    for enrolment in earlier:
        later = Enrolment.objects.get(pupil=enrolment.pupil_id, ended_on__isnull=True)
        assert enrolment.ended_on == later.started_on - dt.timedelta(days=1)
        assert enrolment.school_id != later.school_id
        assert (enrolment.started_on.month, enrolment.started_on.day) == (9, 1)


def test_some_pupils_moved_school_this_year_on_a_monday_in_term() -> None:
    summary = demo.seed(demo.SCALES["demo"], 1, today=dt.date(2025, 11, 26))

    assert demo.move_days(2025, dt.date(2025, 11, 26))[:2] == [
        dt.date(2025, 9, 8),
        dt.date(2025, 9, 15),
    ]
    moves = Enrolment.objects.filter(ended_on__isnull=True).exclude(
        started_on__month=9, started_on__day=1
    )
    assert moves.count() == summary.in_year_moves >= 3
    for enrolment in moves:
        assert enrolment.started_on.weekday() == 0
        assert dt.date(2025, 9, 8) <= enrolment.started_on <= dt.date(2025, 11, 17)
        before = Enrolment.objects.get(pupil=enrolment.pupil_id, ended_on__isnull=False)
        assert before.ended_on == enrolment.started_on - dt.timedelta(days=1)


def test_term_dates_for_this_and_last_academic_year_do_not_overlap() -> None:
    seed("--scale", "demo")
    start_year = current_start_year()

    years = list(AcademicYear.objects.order_by("start_year"))
    assert [y.start_year for y in years] == [start_year - 1, start_year]
    terms = list(Term.objects.order_by("starts_on"))
    assert len(terms) == 6
    for term in terms:
        assert term.academic_year.starts_on <= term.starts_on <= term.ends_on
        assert term.ends_on <= term.academic_year.ends_on
        assert term.starts_on.weekday() < 5
        assert term.ends_on.weekday() < 5
    for earlier, later in itertools.pairwise(terms):
        assert earlier.ends_on < later.starts_on
    assert [t.name for t in terms] == ["autumn", "spring", "summer"] * 2
    assert Term.objects.current() is not None


def test_easter_and_term_dates_match_known_years() -> None:
    assert demo.easter_sunday(2024) == dt.date(2024, 3, 31)
    assert demo.easter_sunday(2025) == dt.date(2025, 4, 20)
    assert demo.easter_sunday(2026) == dt.date(2026, 4, 5)
    assert demo.easter_sunday(2038) == dt.date(2038, 4, 25)
    assert demo.term_dates(2025) == [
        ("autumn", dt.date(2025, 9, 3), dt.date(2025, 12, 19)),
        ("spring", dt.date(2026, 1, 5), dt.date(2026, 3, 27)),
        ("summer", dt.date(2026, 4, 13), dt.date(2026, 7, 22)),
    ]
    # Christmas Day on a Sunday; New Year's Day bank holiday on Monday 2 January.
    autumn, spring, _ = demo.term_dates(2022)
    assert autumn[2] == dt.date(2022, 12, 16)
    assert spring[1] == dt.date(2023, 1, 3)


def test_the_same_seed_gives_the_same_rows_and_another_seed_others() -> None:
    seed("--scale", "demo", "--seed", "7")
    first = snapshot()
    seed("--scale", "demo", "--seed", "7", "--reset")
    assert snapshot() == first
    seed("--scale", "demo", "--seed", "8", "--reset")
    assert snapshot() != first


def test_reset_restarts_ids_and_empties_history() -> None:
    seed("--scale", "demo")
    pupil = Pupil.objects.first()
    pupil.given_name = "Changed"
    pupil.save()
    assert PupilEvent.objects.exists()

    seed("--scale", "demo", "--reset")

    assert not PupilEvent.objects.exists()
    assert Pupil.objects.count() == 600
    assert min(Pupil.objects.values_list("pk", flat=True)) == 1
    assert School.objects.order_by("pk").first().pk == 1
    assert not Pupil.objects.filter(given_name="Changed").exists()


def test_a_loaded_database_is_refused_without_reset_or_if_empty() -> None:
    seed("--scale", "demo")

    with pytest.raises(CommandError, match=r"--reset.*--if-empty"):
        seed("--scale", "demo")
    assert seed("--scale", "city", "--if-empty").strip() == "Demo data already loaded"
    assert School.objects.count() == 6


def test_if_empty_loads_an_empty_database() -> None:
    assert "Loaded demo demo data" in seed("--if-empty")
    assert Pupil.objects.count() == 600


def test_the_load_writes_no_pupil_history_and_leaves_the_schema_as_it_was() -> None:
    before = load_schema()

    seed("--scale", "demo")

    assert load_schema() == before
    assert not PupilEvent.objects.exists()
    assert not EnrolmentEvent.objects.exists()
    # The triggers are back on: a change after the load is recorded.
    pupil = Pupil.objects.first()
    pupil.given_name = "Renamed"
    pupil.save()
    assert PupilEvent.objects.filter(pgh_obj=pupil, pgh_label="update").exists()
    school = School.objects.first()
    new_pupil = Pupil.objects.create(
        upn=make_upn(851, 9999, 25, 1),
        given_name="New",
        family_name="Quillfeather",
        date_of_birth=dt.date(2018, 1, 1),
        current_school=school,
    )
    assert new_pupil.pk == 601  # the identity continues after the copied ids
    assert PupilEvent.objects.filter(pgh_obj=new_pupil, pgh_label="insert").exists()


def test_a_failed_load_rolls_everything_back(monkeypatch: pytest.MonkeyPatch) -> None:
    before = load_schema()
    real_rows = demo.pupil_rows

    def failing_rows(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        yield from real_rows(*args, **kwargs)  # type: ignore[arg-type]
        raise RuntimeError("disk full")

    monkeypatch.setattr(demo, "pupil_rows", failing_rows)
    with pytest.raises(RuntimeError, match="disk full"):
        seed("--scale", "demo")

    assert not School.objects.exists()
    assert not Pupil.objects.exists()
    assert not User.objects.exists()
    assert load_schema() == before


def test_a_larger_custom_scale_has_realistic_mix_and_a_lead_for_every_school() -> None:
    seed("--scale", "county", "--schools", "40", "--pupils", "6000", "--seed", "3")

    schools = list(School.objects.order_by("urn"))
    assert len(schools) == 40
    assert Pupil.objects.count() == 6000
    phases = Counter(s.phase for s in schools)
    assert phases["primary"] > phases["secondary"] >= 4
    assert {"special", "nursery", "alternative_provision", "post_16"} <= set(phases)
    closed = [s for s in schools if not s.is_open]
    assert closed
    assert not Pupil.objects.filter(current_school__in=closed).exists()
    assert len({s.establishment_number[:3] for s in schools}) == 4  # several LA codes
    assert schools[0].is_open
    assert schools[-1].is_open

    # Every open school has a link co-ordinator; Lin has 15 of them.
    lin = User.objects.get(email="link.coordinator@council.example")
    assert LinkAssignment.objects.filter(user=lin).count() == 15
    assert not School.objects.filter(is_open=True, link_assignments__isnull=True).exists()
    assert User.objects.filter(email="link.coordinator2@council.example").exists()
    # A pastoral lead for every school.
    for school in schools:
        lead = User.objects.get(email=f"pastoral.lead.{school.urn}@council.example")
        assert SchoolStaff.objects.filter(user=lead, school=school).exists()

    # Characteristics at about their national rates.
    total = Pupil.objects.count()
    rates = {
        "sen_support": Pupil.objects.filter(sen_status="K").count() / total,
        "ehc_plan": Pupil.objects.filter(sen_status="E").count() / total,
        "free_school_meals": Pupil.objects.filter(free_school_meals=True).count() / total,
        "english_additional_language": (
            Pupil.objects.filter(english_additional_language=True).count() / total
        ),
        "child_in_need": Pupil.objects.filter(child_in_need=True).count() / total,
    }
    assert 0.10 < rates["sen_support"] < 0.17
    assert 0.02 < rates["ehc_plan"] < 0.07
    assert 0.21 < rates["free_school_meals"] < 0.30
    assert 0.16 < rates["english_additional_language"] < 0.24
    assert 0.015 < rates["child_in_need"] < 0.05
    assert not Pupil.objects.filter(child_protection_plan=True, child_in_need=False).exists()
    earlier = Enrolment.objects.filter(ended_on__isnull=False).count()
    assert 0.01 < earlier / total < 0.03


def test_demo_seed_accepts_a_day_and_derives_the_academic_years() -> None:
    summary = demo.seed(demo.SCALES["demo"], 1, today=dt.date(2026, 3, 1))

    assert summary.pupils == 600
    assert summary.academic_years == ["2024/25", "2025/26"]
    reception = Pupil.objects.filter(year_group="R")
    assert reception.exists()
    for pupil in reception:
        assert dt.date(2020, 9, 1) <= pupil.date_of_birth <= dt.date(2021, 8, 31)


def test_fast_upns_match_make_upn() -> None:
    allocate = demo._UpnAllocator(851, 2001)
    for serial in range(1, 1000):
        assert allocate(21) == make_upn(851, 2001, 21, serial)
    with pytest.raises(ValueError, match="More than 999"):
        allocate(21)
