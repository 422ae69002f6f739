"""Every write to schools, pupils and terms: one function per user action, one transaction.

The acting user is passed as `by=`; pghistory's context records them against each change (the
HistoryMiddleware does it for web requests, `pghistory.context(user=...)` here covers commands
and tasks).
"""

import datetime
from itertools import pairwise
from typing import Any

import pghistory
from django.db import transaction

from accounts.models import User
from schools.models import AcademicYear, Enrolment, LinkAssignment, Pupil, School, SchoolStaff, Term


class RuleBroken(Exception):
    """A domain rule refused the change; the message is shown to the user."""


STALE_EDIT = (
    "{thing} was changed by someone else after you opened it. Check the new details and try again."
)


def _apply(instance: Any, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        setattr(instance, name, value)


def _check_version(*, current: int, seen: int, thing: str) -> None:
    if current != seen:
        raise RuleBroken(STALE_EDIT.format(thing=thing))


@transaction.atomic
def create_school(*, by: User, **fields: Any) -> School:
    with pghistory.context(user=by.pk):
        school = School(**fields)
        school.full_clean()
        school.save()
        return school


@transaction.atomic
def update_school(*, school: School, by: User, seen_version: int, **fields: Any) -> School:
    with pghistory.context(user=by.pk):
        school = School.objects.select_for_update().get(pk=school.pk)
        _check_version(current=school.version, seen=seen_version, thing="This school")
        _apply(school, fields)
        school.version += 1
        school.full_clean()
        school.save()
        return school


@transaction.atomic
def add_staff_member(*, school: School, user: User, job_role: str, by: User) -> SchoolStaff:
    with pghistory.context(user=by.pk):
        if SchoolStaff.objects.filter(school=school, user=user).exists():
            raise RuleBroken(f"{user} is already a staff member at {school}.")
        return SchoolStaff.objects.create(school=school, user=user, job_role=job_role)


@transaction.atomic
def remove_staff_member(*, membership: SchoolStaff, by: User) -> None:
    with pghistory.context(user=by.pk):
        membership.delete()


@transaction.atomic
def assign_link_coordinator(*, school: School, user: User, by: User) -> LinkAssignment:
    with pghistory.context(user=by.pk):
        if not user.is_link_coordinator:
            raise RuleBroken(f"{user} is not a link co-ordinator. Give them that role first.")
        if LinkAssignment.objects.filter(school=school, user=user).exists():
            raise RuleBroken(f"{user} is already assigned to {school}.")
        return LinkAssignment.objects.create(school=school, user=user)


@transaction.atomic
def unassign_link_coordinator(*, assignment: LinkAssignment, by: User) -> None:
    with pghistory.context(user=by.pk):
        assignment.delete()


@transaction.atomic
def create_pupil(*, by: User, school: School, started_on: datetime.date, **fields: Any) -> Pupil:
    with pghistory.context(user=by.pk):
        if Pupil.objects.filter(upn=fields.get("upn")).exists():
            raise RuleBroken("A pupil with this UPN is already recorded.")
        pupil = Pupil(current_school=school, **fields)
        pupil.full_clean()
        pupil.save()
        Enrolment.objects.create(pupil=pupil, school=school, started_on=started_on)
        return pupil


@transaction.atomic
def update_pupil(*, pupil: Pupil, by: User, seen_version: int, **fields: Any) -> Pupil:
    with pghistory.context(user=by.pk):
        pupil = Pupil.objects.select_for_update().get(pk=pupil.pk)
        _check_version(current=pupil.version, seen=seen_version, thing="This pupil’s record")
        _apply(pupil, fields)
        pupil.version += 1
        pupil.full_clean()
        pupil.save()
        return pupil


@transaction.atomic
def record_move(
    *, pupil: Pupil, to_school: School, moved_on: datetime.date, by: User, seen_version: int
) -> Enrolment:
    """The pupil joins `to_school` on `moved_on`, their last day at the old one the day before.

    From the move date the old school's staff no longer see the pupil and the new school's do.
    """
    with pghistory.context(user=by.pk):
        pupil = Pupil.objects.select_for_update().get(pk=pupil.pk)
        _check_version(current=pupil.version, seen=seen_version, thing="This pupil’s record")
        current = pupil.enrolments.filter(ended_on__isnull=True).first()
        if current is not None:
            if current.school_id == to_school.pk:
                raise RuleBroken(f"{pupil} is already at {to_school}.")
            if moved_on <= current.started_on:
                raise RuleBroken(
                    f"The move date must be after {pupil} joined {current.school} "
                    f"on {current.started_on:%d/%m/%Y}."
                )
            current.ended_on = moved_on - datetime.timedelta(days=1)
            current.save(update_fields=["ended_on"])
        enrolment = Enrolment.objects.create(pupil=pupil, school=to_school, started_on=moved_on)
        pupil.current_school = to_school
        pupil.version += 1
        pupil.save(update_fields=["current_school", "version"])
        return enrolment


@transaction.atomic
def save_academic_year(
    *, start_year: int, terms: dict[str, tuple[datetime.date, datetime.date]], by: User
) -> AcademicYear:
    """Create or replace an academic year's three term dates."""
    with pghistory.context(user=by.pk):
        year, _ = AcademicYear.objects.get_or_create(start_year=start_year)
        for name, (starts_on, ends_on) in terms.items():
            if not (year.starts_on <= starts_on <= ends_on <= year.ends_on):
                raise RuleBroken(
                    f"The {name} term must fall between {year.starts_on:%d/%m/%Y} and "
                    f"{year.ends_on:%d/%m/%Y}, with its last day on or after its first."
                )
            term, created = Term.objects.select_for_update().get_or_create(
                academic_year=year, name=name, defaults={"starts_on": starts_on, "ends_on": ends_on}
            )
            if not created and (term.starts_on, term.ends_on) != (starts_on, ends_on):
                term.starts_on, term.ends_on = starts_on, ends_on
                term.version += 1
                term.save()
        ordered = list(year.terms.order_by("starts_on").values_list("name", "starts_on", "ends_on"))
        for (name_a, _, ends_a), (name_b, starts_b, _) in pairwise(ordered):
            if starts_b <= ends_a:
                raise RuleBroken(f"The {name_a} and {name_b} terms overlap.")
        return year
