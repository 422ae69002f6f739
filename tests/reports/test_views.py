"""The dashboard, its drill-downs and the targets' pages, from outside."""

import datetime
import html
import importlib
import re
import time
from decimal import Decimal

import pytest
import redis
import time_machine
from celery import Celery
from celery.contrib.testing.app import setup_default_app
from celery.contrib.testing.worker import start_worker
from django.apps import apps as django_apps
from django.urls import reverse

from attendance.models import AttendanceRecord
from audit.models import AccessLogEntry
from reports import summary
from reports.keyset import keyset_page
from reports.measures import BY_CODE
from reports.models import Target
from schools.models import Pupil
from tests.factories import (
    AcademicYearFactory,
    LinkAssignmentFactory,
    PupilFactory,
    SchoolFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db
seed_targets = importlib.import_module("reports.migrations.0002_seed_la_targets")

D = datetime.date


@pytest.fixture(autouse=True)
def _on_10_november_2025(settings):
    settings.REPORTS_CACHE_SECONDS = 0  # each test computes afresh; one test turns it on
    with time_machine.travel("2025-11-10 10:00 +00:00", tick=False):
        yield


@pytest.fixture
def autumn(db):
    year = AcademicYearFactory(start_year=2025)
    return TermFactory(academic_year=year, name="autumn", starts_on=D(2025, 9, 3),
                       ends_on=D(2025, 12, 19))  # fmt: skip


@pytest.fixture
def targets(db):
    Target.objects.get_or_create(
        measure="overall_absence", phase="primary",
        defaults={"label": "Overall absence, primary", "baseline": Decimal("4.1"),
                  "baseline_label": "2018/19", "target": Decimal("3.5")},
    )  # fmt: skip
    Target.objects.get_or_create(
        measure="with_lead_and_plan", phase="",
        defaults={"label": "Chronically absent children with a lead professional and a plan",
                  "baseline": Decimal("44"), "target": Decimal("100"), "lower_is_better": False},
    )  # fmt: skip
    return {(t.measure, t.phase): t for t in Target.objects.all()}


def absent(pupil, school, possible=10, attended=0):
    AttendanceRecord.objects.create(
        pupil=pupil, school=school, period_start=D(2025, 9, 8), period_end=D(2025, 9, 12),
        possible_sessions=possible, attended_sessions=attended, authorised_absence=0,
        unauthorised_absence=possible - attended,
    )  # fmt: skip
    return pupil


@pytest.fixture
def world(autumn, school_a, school_b):
    """Severely absent: one pupil at A (Chloe Specimen), two at B."""
    chloe = absent(PupilFactory(current_school=school_a, given_name="Chloe",
                                family_name="Specimen"), school_a)  # fmt: skip
    at_b = [absent(PupilFactory(current_school=school_b), school_b) for _ in range(2)]
    return {"chloe": chloe, "at_b": at_b}


def _row(response, code):
    for section in response.context["sections"]:
        for row in section.rows:
            if row.measure.code == code and not row.split:
                return row
    raise AssertionError(code)


def test_a_manager_sees_every_measure_against_the_las_targets(client, manager, world, targets):
    client.force_login(manager)

    response = client.get(reverse("reports:dashboard"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Against the LA’s targets" in page
    assert "Overall absence, primary" in page
    assert "every school in the local authority" in page
    assert _row(response, "severe_at_term_end").cells[0].text == "3"
    # Every section's measure is on the page, with the board's columns.
    for code in ("cases_open", "plans_active", "reviews_on_time", "rtt_on_at_end"):
        assert _row(response, code)
    assert {board.target.measure for board in response.context["board"]} >= {
        "overall_absence", "with_lead_and_plan"}  # fmt: skip


def test_the_board_shows_whether_each_figure_is_on_track(client, manager, world, targets):
    client.force_login(manager)

    response = client.get(reverse("reports:dashboard"))

    board = {(row.target.measure, row.target.phase): row for row in response.context["board"]}
    # Primary (A): Chloe missed all 10 of 10 sessions: 100%, far off the 3.5% target.
    assert board["overall_absence", "primary"].cells[0].text == "100.0%"
    assert board["overall_absence", "primary"].status.label == "Off track"
    # No severely absent pupil has a lead professional and a plan: 0%, below the 44% baseline.
    assert board["with_lead_and_plan", ""].status.label == "Off track"


def test_the_charts_come_with_their_figures_in_a_table(client, manager, world, targets):
    client.force_login(manager)

    response = client.get(reverse("reports:dashboard"))

    page = response.content.decode()
    assert page.count('role="img"') == len(response.context["charts"]) >= 3
    assert page.count("app-chart-figure") >= 3
    assert "<title id=" in page


def test_a_pastoral_leads_dashboard_counts_only_their_school(
    client, pastoral_lead, world, school_a
):
    client.force_login(pastoral_lead)

    response = client.get(reverse("reports:dashboard"))

    assert response.status_code == 200
    assert "Amberfield Primary School" in response.content.decode()
    assert _row(response, "severe_at_term_end").cells[0].text == "1"


def test_a_pastoral_lead_cannot_choose_another_school(client, pastoral_lead, world, school_b):
    client.force_login(pastoral_lead)

    response = client.get(reverse("reports:dashboard"), {"school": school_b.pk})

    assert _row(response, "severe_at_term_end").cells[0].text == "1"  # still A's only


def test_a_link_coordinator_sees_their_schools(client, link_coordinator, world, school_b):
    client.force_login(link_coordinator)  # assigned to A only

    response = client.get(reverse("reports:dashboard"))

    assert _row(response, "severe_at_term_end").cells[0].text == "1"


def test_filters_and_breakdowns_change_the_figures(client, manager, world, school_b):
    client.force_login(manager)

    response = client.get(
        reverse("reports:dashboard"), {"phase": "secondary", "breakdown": "school"}
    )

    assert _row(response, "severe_at_term_end").cells[0].text == "2"
    rows = response.context["breakdown_rows"]
    assert [row.label for row in rows] == [school_b.name]


def test_an_invalid_choice_is_ignored(client, manager, world):
    client.force_login(manager)

    response = client.get(reverse("reports:dashboard"), {"breakdown": "shoe size", "term": "x"})

    assert response.status_code == 200
    assert _row(response, "severe_at_term_end").cells[0].text == "3"


def test_a_count_links_to_the_pupils_behind_it(client, manager, world):
    client.force_login(manager)
    dashboard = client.get(reverse("reports:dashboard"))
    link = _row(dashboard, "severe_at_term_end").cells[0].drill

    response = client.get(link)

    assert response.status_code == 200
    listed = {pupil.pk for pupil in response.context["page"].rows}
    assert listed == {world["chloe"].pk, *(p.pk for p in world["at_b"])}


def test_a_drilldown_is_recorded_in_the_access_log(client, manager, world, autumn):
    client.force_login(manager)

    client.get(
        reverse("reports:drilldown"),
        {"measure": "severe_at_term_end", "period": autumn.slug, "term": autumn.pk},
    )

    entry = AccessLogEntry.objects.get(user=manager)
    assert entry.action == AccessLogEntry.Action.VIEW_PUPIL
    assert len(entry.pupil_ids) == 3
    assert "Severely absent pupils at term end" in entry.description


def test_past_a_long_list_a_school_is_chosen_by_its_urn_and_kept_in_the_drilldown(
    client, manager, world, settings, school_b
):
    settings.DASHBOARD_LONG_LIST = 1  # two schools: as many as 22,000 would be
    client.force_login(manager)

    response = client.get(reverse("reports:dashboard"), {"school_urn": school_b.urn})

    page = response.content.decode()
    assert 'name="school"' not in page  # no list of every school
    assert f'name="school_urn" type="text" value="{school_b.urn}"' in page
    assert "(Birchwood Academy)" in page
    assert _row(response, "severe_at_term_end").cells[0].text == "2"
    drill = _row(response, "severe_at_term_end").cells[0].drill
    assert f"school_urn={school_b.urn}" in drill
    listed = client.get(drill).context["page"].rows
    assert {pupil.pk for pupil in listed} == {pupil.pk for pupil in world["at_b"]}


def test_a_urn_that_is_not_one_of_the_viewers_schools_is_an_error(
    client, pastoral_lead, world, settings, school_b
):
    settings.DASHBOARD_LONG_LIST = 0
    client.force_login(pastoral_lead)  # at school A only

    response = client.get(reverse("reports:dashboard"), {"school_urn": school_b.urn})

    page = response.content.decode()
    assert "There is a problem" in page
    assert f"There is no school with URN {school_b.urn} among your schools" in page
    assert _row(response, "severe_at_term_end").cells[0].text == "1"  # still A's only


def test_past_a_long_list_a_link_coordinator_is_chosen_by_email_address(
    client, manager, world, settings, link_coordinator
):
    settings.DASHBOARD_LONG_LIST = 0
    client.force_login(manager)

    chosen = client.get(
        reverse("reports:dashboard"), {"link_coordinator_email": link_coordinator.email.upper()}
    )
    unknown = client.get(
        reverse("reports:dashboard"), {"link_coordinator_email": "nobody@council.example"}
    )

    assert _row(chosen, "severe_at_term_end").cells[0].text == "1"  # A's, Lin's school
    assert f"({link_coordinator.full_name})" in chosen.content.decode()
    assert "No link co-ordinator of your schools has the email address nobody@council.example" in (
        unknown.content.decode()
    )
    assert _row(unknown, "severe_at_term_end").cells[0].text == "3"


def test_a_pastoral_leads_drilldown_never_lists_another_schools_pupils(
    client, pastoral_lead, world, autumn, school_b
):
    client.force_login(pastoral_lead)

    response = client.get(
        reverse("reports:drilldown"),
        {"measure": "severe_at_term_end", "period": autumn.slug, "school": school_b.pk},
    )

    listed = {pupil.pk for pupil in response.context["page"].rows}
    assert listed == {world["chloe"].pk}


def test_a_pupil_who_moved_away_is_counted_but_not_listed_to_the_old_school(
    client, pastoral_lead, world, autumn, school_a, school_b
):
    moved = world["chloe"]
    moved.enrolments.update(ended_on=D(2025, 10, 31))
    moved.enrolments.create(school=school_b, started_on=D(2025, 11, 1))
    Pupil.objects.filter(pk=moved.pk).update(current_school=school_b)
    client.force_login(pastoral_lead)

    response = client.get(
        reverse("reports:drilldown"),
        {"measure": "persistent_absence", "period": autumn.slug},
    )

    # Her sessions at A count in A's figure, but A may no longer see her.
    assert "Specimen" not in response.content.decode()
    assert response.context["page"].rows == []


def test_a_figure_without_pupils_behind_it_has_no_list(client, manager, world, autumn):
    client.force_login(manager)

    response = client.get(
        reverse("reports:drilldown"), {"measure": "overall_absence", "period": autumn.slug}
    )

    assert response.status_code == 404


def test_an_unknown_period_has_no_list(client, manager, world):
    client.force_login(manager)

    response = client.get(
        reverse("reports:drilldown"), {"measure": "cases_open", "period": "1999-00-autumn"}
    )

    assert response.status_code == 404


def test_the_dashboard_costs_the_same_queries_for_more_data(
    client, manager, autumn, school_a, django_assert_max_num_queries
):
    client.force_login(manager)
    absent(PupilFactory(current_school=school_a), school_a)
    years = [autumn.academic_year.start_year - 1, autumn.academic_year.start_year]
    summary.ensure_fresh(years)  # as the import's task does once an import has finished
    with django_assert_max_num_queries(30) as small:
        client.get(reverse("reports:dashboard"), {"breakdown": "school"})
    for _ in range(15):
        absent(PupilFactory(current_school=SchoolFactory()), school_a)
    summary.ensure_fresh(years)

    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("reports:dashboard"), {"breakdown": "school"})


def test_a_drilldown_costs_the_same_queries_for_more_pupils(
    client, manager, autumn, school_a, django_assert_max_num_queries
):
    client.force_login(manager)
    query = {"measure": "severe_at_term_end", "period": autumn.slug}
    absent(PupilFactory(current_school=school_a), school_a)
    years = [autumn.academic_year.start_year - 1, autumn.academic_year.start_year]
    summary.ensure_fresh(years)  # as the import's task does once an import has finished
    with django_assert_max_num_queries(30) as small:
        client.get(reverse("reports:drilldown"), query)
    for _ in range(20):
        absent(PupilFactory(current_school=school_a), school_a)
    summary.ensure_fresh(years)

    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("reports:drilldown"), query)

    assert len(response.context["page"].rows) == 21


def test_keyset_pages_follow_name_order_without_counting(rf, school_a):
    names = ["Ash", "Birch", "Cedar", "Damson", "Elm"]
    for name in names:
        PupilFactory(current_school=school_a, family_name=name)
    pupils = Pupil.objects.all()

    first = keyset_page(rf.get("/"), pupils, size=2)
    second = keyset_page(rf.get(first.next_url), pupils, size=2)
    third = keyset_page(rf.get(second.next_url), pupils, size=2)
    back = keyset_page(rf.get(third.previous_url), pupils, size=2)

    assert [p.family_name for p in first.rows] == ["Ash", "Birch"]
    assert [p.family_name for p in second.rows] == ["Cedar", "Damson"]
    assert [p.family_name for p in third.rows] == ["Elm"]
    assert not third.has_next
    assert [p.family_name for p in back.rows] == ["Cedar", "Damson"]
    assert first.has_next
    assert not first.has_previous
    assert back.has_previous


def test_cached_figures_change_when_the_data_does(client, manager, world, settings, school_a):
    settings.REPORTS_CACHE_SECONDS = 60
    client.force_login(manager)
    first = client.get(reverse("reports:dashboard"))
    assert _row(first, "severe_at_term_end").cells[0].text == "3"
    again = client.get(reverse("reports:dashboard"))
    assert "sections" not in again.context  # laid out from the cache
    figures = "Against the LA’s targets"
    assert again.content.decode().split(figures)[1] == first.content.decode().split(figures)[1]

    absent(PupilFactory(current_school=school_a), school_a)

    response = client.get(reverse("reports:dashboard"))
    assert _row(response, "severe_at_term_end").cells[0].text == "4"


WORKER_REDIS_URL = "redis://127.0.0.1:6379/12"


def _figure_on_page(page: str, code: str) -> str:
    """The first figure in the row of a measure, as the page shows it."""
    label = re.escape(html.escape(BY_CODE[code].label, quote=False))
    cell = re.search(label + r"</th>\s*<td[^>]*>(.*?)</td>", page, re.S)
    assert cell, code
    return re.sub(r"<[^>]+>|\s+", " ", cell.group(1)).split()[0]


def _when_ready(client, url: str, *, pending: str) -> str:
    """The page once it no longer shows `pending`, asking again for up to a minute."""
    deadline = time.monotonic() + 60
    while True:
        page = client.get(url).content.decode()
        if pending not in page or time.monotonic() > deadline:
            return page
        time.sleep(0.2)


def _worker_app(settings) -> Celery:
    """A Celery app for this test's own Redis database, as broker, results and figures' cache:
    the page's tasks leave the eager mode other tests use."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.REDIS_URL = settings.CELERY_BROKER_URL = WORKER_REDIS_URL
    settings.CELERY_RESULT_BACKEND = WORKER_REDIS_URL
    redis.Redis.from_url(WORKER_REDIS_URL).flushdb()
    app = Celery("attendance_tracker", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    return app


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps migrations' rows
def test_figures_a_page_cannot_wait_for_are_worked_out_by_a_worker(
    client, manager, world, settings, school_a
):
    """The page waits no longer than REPORTS_(FIRST_)WAIT_SECONDS: until a worker has the figures
    it says they are being worked out, and after a change it shows the earlier ones, saying
    when."""
    settings.REPORTS_CACHE_SECONDS = 60
    settings.REPORTS_WAIT_SECONDS = settings.REPORTS_FIRST_WAIT_SECONDS = 0
    worker_app = _worker_app(settings)
    client.force_login(manager)
    url = reverse("reports:dashboard")

    with setup_default_app(worker_app):  # restores the current app afterwards
        worker_app.set_current()  # the page's task goes to this test's broker
        first = client.get(url).content.decode()

        assert 'data-testid="figures-pending"' in first
        assert "The figures are being worked out" in first
        assert "Against the LA’s targets" not in first
        with (
            time_machine.travel("2025-11-10 10:00 +00:00", tick=True),  # the worker's clock runs
            start_worker(worker_app, pool="threads", concurrency=1, perform_ping_check=False),
        ):
            ready = _when_ready(client, url, pending="figures-pending")
            assert _figure_on_page(ready, "severe_at_term_end") == "3"

            absent(PupilFactory(current_school=school_a), school_a)
            changed = client.get(url).content.decode()
            assert 'data-testid="figures-earlier"' in changed
            assert "These figures were worked out at 10:00am on 10 November 2025" in changed
            assert _figure_on_page(changed, "severe_at_term_end") == "3"

            newer = _when_ready(client, url, pending="figures-earlier")
    assert _figure_on_page(newer, "severe_at_term_end") == "4"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps migrations' rows
def test_with_no_earlier_figures_the_first_page_waits_for_the_worker(
    client, manager, world, settings
):
    settings.REPORTS_CACHE_SECONDS = 60
    settings.REPORTS_WAIT_SECONDS, settings.REPORTS_FIRST_WAIT_SECONDS = 0, 60
    worker_app = _worker_app(settings)
    client.force_login(manager)

    with (
        time_machine.travel("2025-11-10 10:00 +00:00", tick=True),  # the worker's clock runs
        setup_default_app(worker_app),
        start_worker(worker_app, pool="threads", concurrency=1, perform_ping_check=False),
    ):
        page = client.get(reverse("reports:dashboard")).content.decode()

    assert "figures-pending" not in page
    assert _figure_on_page(page, "severe_at_term_end") == "3"


def test_without_redis_the_page_works_out_the_figures_itself(client, manager, world, settings):
    settings.REPORTS_CACHE_SECONDS = 60
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens there
    client.force_login(manager)

    response = client.get(reverse("reports:dashboard"))

    assert _row(response, "severe_at_term_end").cells[0].text == "3"
    assert "figures-pending" not in response.content.decode()


def test_without_term_dates_the_dashboard_says_so(client, manager):
    client.force_login(manager)

    response = client.get(reverse("reports:dashboard"))

    assert "There are no term dates" in response.content.decode()


def test_the_dashboard_is_in_the_navigation_of_those_who_may_see_it(
    client, pastoral_lead, early_help_worker, autumn
):
    client.force_login(pastoral_lead)
    assert "Dashboard" in client.get(reverse("home")).content.decode()
    client.force_login(early_help_worker)
    assert reverse("reports:dashboard") not in client.get(reverse("home")).content.decode()


# Targets ---------------------------------------------------------------------------------------


def _form(chosen, **changes):
    data = {}
    for each in Target.objects.order_by("pk"):
        data[f"baseline_{each.pk}"] = str(each.baseline or "")
        data[f"target_{each.pk}"] = str(each.target)
        data[f"version_{each.pk}"] = str(each.version)
    data.update({f"{name}_{chosen.pk}": value for name, value in changes.items()})
    return data


def test_an_administrator_changes_a_target(client, administrator, targets):
    client.force_login(administrator)
    target = targets["overall_absence", "primary"]

    response = client.post(reverse("reports:targets-edit"), _form(target, target="3.2"),
                           follow=True)  # fmt: skip

    target.refresh_from_db()
    assert target.target == Decimal("3.2")
    assert target.version == 2
    assert "1 target was changed." in response.content.decode()


def test_a_stale_save_of_the_targets_is_refused(client, administrator, targets):
    client.force_login(administrator)
    target = targets["overall_absence", "primary"]
    stale = _form(target, target="3.0")
    Target.objects.filter(pk=target.pk).update(target=Decimal("3.3"), version=2)

    response = client.post(reverse("reports:targets-edit"), stale)

    target.refresh_from_db()
    assert target.target == Decimal("3.3")
    page = response.content.decode()
    assert "Someone else changed Overall absence, primary after you opened this page" in page
    assert 'value="3.30"' in page  # the figure as it is now, to change again


def test_a_target_must_be_a_number(client, administrator, targets):
    client.force_login(administrator)
    target = targets["overall_absence", "primary"]

    response = client.post(reverse("reports:targets-edit"), _form(target, target="lots"))

    assert response.status_code == 200
    assert "Enter a number" in response.content.decode()
    version = target.version
    target.refresh_from_db()
    assert target.version == version


def test_a_manager_reads_the_targets_but_cannot_change_them(client, manager, targets):
    client.force_login(manager)

    page = client.get(reverse("reports:targets")).content.decode()

    assert "Overall absence, primary" in page
    assert "Change the targets" not in page
    assert client.get(reverse("reports:targets-edit")).status_code == 403


def test_the_las_targets_are_seeded_from_the_strategy(targets):
    # Run the data migration again: a test database flushed by a browser test has lost its rows.
    seed_targets.seed(django_apps, None)

    assert Target.objects.count() == 8
    coverage = Target.objects.get(measure="with_lead_and_plan")
    assert (coverage.baseline, coverage.target, coverage.lower_is_better) == (
        Decimal("44.00"), Decimal("100.00"), False)  # fmt: skip
    timetables = Target.objects.get(measure="rtt_on_at_end")
    assert (timetables.baseline, timetables.target) == (Decimal("125.00"), Decimal("70.00"))


def test_a_second_link_coordinator_at_the_school_is_a_breakdown_of_its_own(
    client, manager, world, school_a
):
    LinkAssignmentFactory(school=school_a, user__full_name="Second Coordinator")
    client.force_login(manager)

    response = client.get(reverse("reports:dashboard"), {"breakdown": "link_coordinator"})

    labels = [row.label for row in response.context["breakdown_rows"]]
    assert "Second Coordinator" in labels
    assert "No link co-ordinator" in labels  # school B has none
