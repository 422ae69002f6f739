"""The termly report: stored, immutable versions, the board pack, the CSV, small numbers, the
scheduled job, the command and who may download what.

The world: the autumn term of 2025/26 (3 September to 19 December), reported on 10 January 2026.
Amberfield Primary (school A) has 3 severely absent pupils (a count of 3: withheld outside the
service) and 10 who attend well; Birchwood Academy (school B) has 8 severely absent pupils (too
many to withhold), one of them a young carer. Across the LA: 11.
"""

import csv
import datetime
import importlib
import io
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
import redis
import time_machine
from celery import Celery
from celery.contrib.testing.app import setup_default_app
from celery.contrib.testing.worker import start_worker
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from attendance.models import AttendanceRecord, PupilAttendance
from audit.models import AccessLogEntry
from reports import termly
from reports.models import Target, TermlyReport
from reports.tasks import generate_termly_report_task, scheduled_termly_report_task
from tests.factories import PupilFactory, SchoolFactory, TermFactory, UserFactory

pytestmark = pytest.mark.django_db

D = datetime.date
AUTUMN = "2025-26-autumn"
HEADER = ["measure", "breakdown", "breakdown_value", "period", "numerator", "denominator", "value"]
SEVERE_AT_A = ("Quarrington", "Ravensworth", "Saltonstall")
WORKER_REDIS_URL = "redis://127.0.0.1:6379/13"
PDFTOTEXT = "/usr/bin/pdftotext"  # poppler-utils: make test installs it


@pytest.fixture(autouse=True)
def _on_10_january_2026():
    with time_machine.travel("2026-01-10 09:00 +00:00", tick=False):
        yield


@pytest.fixture
def autumn():
    return TermFactory()  # 3 September to 19 December 2025


def attended(pupil, school, possible, present):
    """A term's attendance as an import stores it: the record and the pupil's year to date."""
    AttendanceRecord.objects.create(
        pupil=pupil,
        school=school,
        period_start=D(2025, 9, 8),
        period_end=D(2025, 12, 19),
        possible_sessions=possible,
        attended_sessions=present,
        authorised_absence=0,
        unauthorised_absence=possible - present,
    )
    rate = Decimal(100 * present) / Decimal(possible)
    PupilAttendance.objects.create(
        pupil=pupil,
        start_year=2025,
        school=school,
        possible_sessions=possible,
        attended_sessions=present,
        attendance_rate=rate.quantize(Decimal("0.01")),
        is_persistently_absent=rate <= 90,
        is_severely_absent=rate <= 50,
        latest_period_end=D(2025, 12, 19),
        recent_possible=20,
        recent_attended=10,
    )


@pytest.fixture
def world(autumn, school_a, school_b):
    Target.objects.update_or_create(
        measure="persistent_absence",
        phase="primary",
        defaults={"label": "Persistent absence, primary", "baseline": Decimal("8.7"),
                  "baseline_label": "2018/19", "target": Decimal("6.8")},
    )  # fmt: skip
    for family in SEVERE_AT_A:
        attended(PupilFactory(current_school=school_a, family_name=family), school_a, 100, 40)
    for _ in range(10):
        attended(PupilFactory(current_school=school_a), school_a, 100, 98)
    for i in range(8):
        pupil = PupilFactory(current_school=school_b, young_carer=i == 0)
        attended(pupil, school_b, 100, 30)
    return autumn


def generate(term, by=None, school=None):
    return termly.generate_termly_report(term=term, school=school, by=by)


def csv_rows(report):
    with report.csv.open("rb") as handle:
        return list(csv.reader(io.StringIO(handle.read().decode())))


def pdf_pages(path):
    text = subprocess.run(  # noqa: S603 - a fixed program on a file the test wrote
        [PDFTOTEXT, "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[:-1]


def line(pages, starting):
    """The first line of the pages that starts with the words, squeezed."""
    for page in pages:
        for text in page.splitlines():
            if text.strip().startswith(starting):
                return " ".join(text.split())
    raise AssertionError(f"no line starting {starting!r}")


def school_page(pages, name):
    return next(page for page in pages if re.search(rf"^\s*{name}\s*$", page, re.MULTILINE))


def downloaded(response):
    return b"".join(response.streaming_content)


# The CSV -----------------------------------------------------------------------------------------


def test_the_csv_has_a_row_per_measure_breakdown_and_period(world, manager):
    report = generate(world, by=manager)

    rows = csv_rows(report)

    assert rows[0] == HEADER
    assert ["severe_at_term_end", "all", "All", AUTUMN, "11", "", "11"] in rows
    assert ["severe_at_term_end", "all", "All", "2025-26", "11", "", "11"] in rows
    assert ["severe_at_term_end", "school", "Birchwood Academy", AUTUMN, "8", "", "8"] in rows
    assert ["persistent_absence", "phase", "Secondary", AUTUMN, "8", "8", "100.0"] in rows
    keys = [tuple(row[:4]) for row in rows[1:]]
    assert len(keys) == len(set(keys)) == len(report.figures["figures"]["rows"])
    # A characteristic is a breakdown, its count of 1 withheld.
    assert ["severe_at_term_end", "characteristic", "Young carer", AUTUMN, "<6", "", "<6"] in rows


# Small numbers -----------------------------------------------------------------------------------


def test_a_phase_of_one_school_is_withheld_as_that_school_is(world, manager):
    rows = csv_rows(generate(world, by=manager))

    # Amberfield is the only primary school: the primary phase's 3 of 13 would name it.
    assert ["severe_absence", "phase", "Primary", AUTUMN, "<6", "13", "[c]"] in rows


def test_a_phase_of_two_schools_is_not_withheld(world, manager):
    other = SchoolFactory(name="Cherrytree Primary School", phase="primary")
    for _ in range(2):
        attended(PupilFactory(current_school=other), other, 100, 40)

    rows = csv_rows(generate(world, by=manager))

    assert ["severe_absence", "phase", "Primary", AUTUMN, "5", "15", "33.3"] in rows
    # Each school's own count is still withheld.
    assert [
        "severe_absence",
        "school",
        "Cherrytree Primary School",
        AUTUMN,
        "<6",
        "<6",
        "[c]",
    ] in rows


def test_a_count_of_three_at_a_school_is_shown_as_under_6_in_the_csv(world, manager):
    rows = csv_rows(generate(world, by=manager))

    school_a = [row for row in rows if row[1:4] == ["school", "Amberfield Primary School", AUTUMN]]
    by_measure = {row[0]: row[4:] for row in school_a}
    assert by_measure["severe_at_term_end"] == ["<6", "", "<6"]
    # 3 of 13 pupils: the count withheld, and the rate made from it.
    assert by_measure["severe_absence"] == ["<6", "13", "[c]"]
    # 10 of 13 attend well: not small, shown.
    assert by_measure["persistent_absence"] == ["<6", "13", "[c]"]
    # The LA's total of the same pupils is not withheld.
    assert ["severe_at_term_end", "all", "All", AUTUMN, "11", "", "11"] in rows


def test_a_count_of_three_at_a_school_is_shown_as_under_6_in_the_board_pack(world, manager):
    report = generate(world, by=manager)

    pages = pdf_pages(report.pdf.path)

    amberfield = [school_page(pages, "Amberfield Primary School")]
    assert line(amberfield, "Severely absent pupils at term end") == (
        "Severely absent pupils at term end <6 <6 11"
    )
    birchwood = [school_page(pages, "Birchwood Academy")]
    assert line(birchwood, "Severely absent pupils at term end") == (
        "Severely absent pupils at term end 8 8 11"
    )


def test_a_schools_report_shows_the_count_of_three_on_screen_but_not_in_its_files(
    world, manager, client, school_a
):
    report = generate(world, by=manager, school=school_a)
    client.force_login(manager)

    page = client.get(reverse("reports:report-detail", args=[report.pk])).content.decode()

    assert re.search(r"Severely absent pupils at term end</th>\s*<td[^>]*>3<", page)
    assert ["severe_at_term_end", "all", "All", AUTUMN, "<6", "", "<6"] in csv_rows(report)
    against_the_la = [school_page(pdf_pages(report.pdf.path), "Amberfield Primary School")]
    assert line(against_the_la, "Severely absent pupils at term end") == (
        "Severely absent pupils at term end <6 <6 11"
    )


# The board pack ----------------------------------------------------------------------------------


def test_the_board_pack_is_official_sensitive_and_numbered_on_every_page(world, manager):
    report = generate(world, by=manager)

    pages = pdf_pages(report.pdf.path)

    assert len(pages) > 5
    for number, page in enumerate(pages, start=1):
        assert page.count("OFFICIAL-SENSITIVE") == 2, f"page {number}"
        assert f"Page {number} of {len(pages)}" in page


def test_the_board_pack_has_the_cover_targets_measures_and_a_page_per_school(world, manager):
    report = generate(world, by=manager)

    pages = pdf_pages(report.pdf.path)

    text = " ".join(" ".join(pages).split())
    assert "Termly report to the strategic board Autumn term 2025/26" in text
    assert "Version 1" in text
    assert "Generated by Mo Manager" in text
    assert "Summary against targets" in text
    # The target's row: baseline, autumn, spring, summer, year, target, RAG (3 of 13 at A).
    assert "Persistent absence, primary 8.70 23.1% – – 23.1% 6.80 RED Off track" in text
    for label in ("Persistent absence rate", "Cases open at term end", "Running more than 6 weeks"):
        assert label in text
    assert school_page(pages, "Amberfield Primary School")
    assert school_page(pages, "Birchwood Academy")


def test_the_board_pack_names_no_pupil(world, manager):
    report = generate(world, by=manager)

    text = " ".join(pdf_pages(report.pdf.path))

    for family in SEVERE_AT_A:
        assert family not in text


# Snapshots and versions --------------------------------------------------------------------------


def test_a_stored_report_does_not_change_when_the_data_does(world, manager, school_b):
    report = generate(world, by=manager)
    figures, csv_text = report.figures, csv_rows(report)
    pdf = Path(report.pdf.path).read_bytes()

    attended(PupilFactory(current_school=school_b), school_b, 100, 10)
    report.refresh_from_db()

    assert report.figures == figures
    assert csv_rows(report) == csv_text
    assert Path(report.pdf.path).read_bytes() == pdf


def test_regenerating_makes_version_2_and_version_1_still_downloads(
    world, manager, school_b, client
):
    first = generate(world, by=manager)
    first_csv = Path(first.csv.path).read_bytes()
    attended(PupilFactory(current_school=school_b), school_b, 100, 10)

    second = generate(world, by=manager)

    assert (first.version, second.version) == (1, 2)
    assert ["severe_at_term_end", "all", "All", AUTUMN, "12", "", "12"] in csv_rows(second)
    client.force_login(manager)
    response = client.get(reverse("reports:report-csv-download", args=[first.pk]))
    assert downloaded(response) == first_csv
    assert "Version 2" in " ".join(" ".join(pdf_pages(second.pdf.path)).split())


def test_the_cut_off_is_when_the_figures_were_read(world, manager):
    report = generate(world, by=manager)

    assert report.data_cut_off == datetime.datetime(2026, 1, 10, 9, 0, tzinfo=datetime.UTC)
    assert report.generated_by == manager


# The LA's packs ----------------------------------------------------------------------------------


def test_the_las_report_stores_a_pack_for_each_school_naming_its_pupils(world, manager):
    report = generate(world, by=manager)

    packs = {pack["name"]: pack for pack in report.figures["packs"]}

    assert set(packs) == {"Amberfield Primary School", "Birchwood Academy"}
    amberfield = packs["Amberfield Primary School"]
    assert len(amberfield["pupil_ids"]) == 3
    text = " ".join(pdf_pages(Path(report.pdf.storage.path(amberfield["file"]))))
    assert all(family in text for family in SEVERE_AT_A)


def test_a_stored_pack_sets_the_schools_measures_against_the_las(world, manager):
    report = generate(world, by=manager)

    pack = next(p for p in report.figures["packs"] if p["name"] == "Amberfield Primary School")
    text = " ".join(" ".join(pdf_pages(Path(report.pdf.storage.path(pack["file"])))).split())
    # Severely absent: 3 of Amberfield's 13 pupils; 11 of the LA's 21.
    assert "Severe absence (50% or more of sessions missed) 23.1% 52.4%" in text
    assert "3 of 13 pupils 11 of 21 pupils" in text


def test_a_link_coordinator_downloads_their_schools_pack_and_its_pupils_are_logged(
    world, manager, link_coordinator, client, school_a, school_b
):
    report = generate(world, by=manager)
    client.force_login(link_coordinator)

    mine = client.get(reverse("reports:report-pack-pdf", args=[report.pk, school_a.pk]))
    elsewhere = client.get(reverse("reports:report-pack-pdf", args=[report.pk, school_b.pk]))

    assert mine.status_code == 200
    assert mine["Content-Disposition"].startswith("attachment")
    assert elsewhere.status_code == 404
    entry = AccessLogEntry.objects.get(user=link_coordinator)
    pack = next(p for p in report.figures["packs"] if p["school_id"] == school_a.pk)
    assert entry.pupil_ids == pack["pupil_ids"]


# Downloads and who may see what ------------------------------------------------------------------


def test_the_board_pack_downloads_as_an_uncached_attachment_logged_without_pupils(
    world, manager, client
):
    report = generate(world, by=manager)
    client.force_login(manager)

    response = client.get(reverse("reports:report-pdf", args=[report.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="termly-report-{AUTUMN}-la-v1.pdf"'
    )
    assert response["Cache-Control"] == "no-store"
    assert downloaded(response) == Path(report.pdf.path).read_bytes()
    entry = AccessLogEntry.objects.get(user=manager)
    assert (entry.action, entry.pupil_ids) == (AccessLogEntry.Action.DOWNLOAD, [])


@pytest.mark.parametrize("url_name", ["reports:report-pdf", "reports:report-csv-download"])
def test_a_pastoral_lead_cannot_download_the_las_report(
    world, manager, pastoral_lead, client, url_name
):
    report = generate(world, by=manager)
    client.force_login(pastoral_lead)

    response = client.get(reverse(url_name, args=[report.pk]))

    assert response.status_code == 404


def test_a_pastoral_lead_downloads_their_schools_report_and_not_another_schools(
    world, manager, pastoral_lead, other_school_pastoral_lead, client, school_a
):
    report = generate(world, by=manager, school=school_a)
    url = reverse("reports:report-csv-download", args=[report.pk])

    client.force_login(pastoral_lead)
    own = client.get(url)
    client.force_login(other_school_pastoral_lead)
    other = client.get(url)

    assert own.status_code == 200
    assert other.status_code == 404


def test_the_list_shows_each_user_the_reports_they_may_open(
    world, manager, pastoral_lead, client, school_a, school_b
):
    generate(world, by=manager)
    generate(world, by=manager, school=school_a)
    generate(world, by=manager, school=school_b)
    client.force_login(pastoral_lead)

    page = client.get(reverse("reports:termly-list")).content.decode()

    assert "Amberfield Primary School" in page
    assert "Birchwood Academy" not in page
    assert "The LA’s board pack" not in page


def test_a_manager_generates_a_report_now_and_is_emailed_its_link(world, manager, client):
    client.force_login(manager)

    response = client.post(reverse("reports:termly-generate"), {"term": world.pk})

    assert response.status_code == 302
    report = TermlyReport.objects.get()
    assert (report.scope, report.version, report.generated_by) == ("la", 1, manager)
    assert [message.to for message in mail.outbox] == [[manager.email]]
    assert f"{settings.SITE_URL}/reports/termly/{report.pk}/\n" in mail.outbox[0].body
    assert settings.SITE_URL.startswith("http")


# The scheduled job -------------------------------------------------------------------------------


def test_the_daily_job_does_nothing_on_the_terms_last_day(world, manager):
    with time_machine.travel("2025-12-19 23:00 +00:00", tick=False):
        assert scheduled_termly_report_task() is None

    assert not TermlyReport.objects.exists()
    assert mail.outbox == []


def test_the_daily_job_makes_the_report_once_after_the_last_day_and_emails_managers(world):
    managers = [UserFactory(is_manager=True), UserFactory(is_manager=True)]
    UserFactory(is_manager=True, is_active=False)
    UserFactory(is_link_coordinator=True)

    with time_machine.travel("2025-12-20 06:00 +00:00", tick=False):
        first = scheduled_termly_report_task()
        again = scheduled_termly_report_task()

    report = TermlyReport.objects.get()
    assert (first, again) == (report.pk, None)
    assert (report.version, report.generated_by) == (1, None)
    assert sorted(message.to[0] for message in mail.outbox) == sorted(m.email for m in managers)
    for message in mail.outbox:
        assert f"{settings.SITE_URL}/reports/termly/{report.pk}/\n" in message.body
        assert not any(family in message.body for family in SEVERE_AT_A)


def test_the_daily_job_is_scheduled_in_the_database_once_whatever_the_reruns():
    migration = importlib.import_module("reports.migrations.0003_termly_report_schedule")

    migration.create_schedule(apps, None)  # again, after migrate already ran it

    daily = PeriodicTask.objects.get(task="reports.tasks.scheduled_termly_report_task")
    assert (daily.crontab.hour, daily.crontab.minute, str(daily.crontab.timezone)) == (
        "4",
        "30",
        "Europe/London",
    )


def test_the_database_refuses_to_change_or_delete_a_stored_version(world, manager):
    report = generate(world, by=manager)

    with pytest.raises(IntegrityError, match="cannot be changed or deleted"), transaction.atomic():
        TermlyReport.objects.filter(pk=report.pk).update(figures=[])
    with pytest.raises(IntegrityError, match="cannot be changed or deleted"), transaction.atomic():
        TermlyReport.objects.filter(pk=report.pk).delete()

    report.refresh_from_db()
    assert report.figures


def test_a_managers_own_version_does_not_stand_in_for_the_scheduled_one(world, manager):
    generate(world, by=manager)

    scheduled_termly_report_task()

    assert list(
        TermlyReport.objects.order_by("version").values_list("version", "generated_by")
    ) == [
        (1, manager.pk),
        (2, None),
    ]


# The command -------------------------------------------------------------------------------------


def test_the_command_writes_the_pdf_and_csv_and_says_where(world, tmp_path):
    out = io.StringIO()

    call_command("termly_report", "--term", AUTUMN, "--output", str(tmp_path), stdout=out)

    pdf, csv_file = (
        tmp_path / f"termly-report-{AUTUMN}-la.pdf",
        tmp_path / f"termly-report-{AUTUMN}-la.csv",
    )
    assert pdf.read_bytes().startswith(b"%PDF")
    assert csv_file.read_text().splitlines()[0] == ",".join(HEADER)
    assert str(pdf) in out.getvalue()
    assert str(csv_file) in out.getvalue()
    assert not TermlyReport.objects.exists()


def test_the_command_writes_one_schools_report(world, tmp_path, school_a):
    call_command(
        "termly_report", "--term", AUTUMN, "--school", school_a.urn, "--output", str(tmp_path),
        stdout=io.StringIO(),
    )  # fmt: skip

    rows = list(csv.reader((tmp_path / f"termly-report-{AUTUMN}-{school_a.urn}.csv").open()))
    assert ["severe_at_term_end", "all", "All", AUTUMN, "<6", "", "<6"] in rows


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--term", "2025-26-winter"], "There is no term '2025-26-winter'"),
        (["--term", "2030-31-autumn"], "There is no term '2030-31-autumn'"),
        (["--term", AUTUMN, "--school", "999999"], "There is no school with URN '999999'"),
    ],
)
def test_the_command_refuses_an_unknown_term_or_school(world, tmp_path, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("termly_report", *arguments, "--output", str(tmp_path))

    assert list(tmp_path.iterdir()) == []


# A real worker -----------------------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps migrations' rows
def test_a_worker_makes_reports_at_once_with_packs_from_worker_processes(
    settings, world, manager, school_a
):
    """Three at once on a real Celery worker: the LA's report, its packs rendered by two worker
    processes reading the same snapshot, and two versions of school A's, numbered 1 and 2."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = WORKER_REDIS_URL
    settings.CELERY_RESULT_BACKEND = WORKER_REDIS_URL
    settings.REPORT_PACK_WORKERS = 2
    redis.Redis.from_url(WORKER_REDIS_URL).flushdb()
    worker_app = Celery("attendance_tracker", set_as_current=False)
    worker_app.config_from_object("django.conf:settings", namespace="CELERY")

    with (
        setup_default_app(worker_app),
        start_worker(worker_app, pool="threads", concurrency=3, perform_ping_check=False,
                     shutdown_timeout=60),
    ):  # fmt: skip
        runs = [
            generate_termly_report_task.delay(world.pk, None, manager.pk),
            generate_termly_report_task.delay(world.pk, school_a.pk, manager.pk),
            generate_termly_report_task.delay(world.pk, school_a.pk, manager.pk),
        ]
        ids = [run.get(timeout=240) for run in runs]

    la = TermlyReport.objects.get(pk=ids[0])
    assert sorted(
        TermlyReport.objects.filter(school=school_a).values_list("version", flat=True)
    ) == [1, 2]
    amberfield = next(p for p in la.figures["packs"] if p["school_id"] == school_a.pk)
    text = " ".join(pdf_pages(Path(la.pdf.storage.path(amberfield["file"]))))
    assert all(family in text for family in SEVERE_AT_A)
    assert ["severe_at_term_end", "all", "All", AUTUMN, "11", "", "11"] in csv_rows(la)
