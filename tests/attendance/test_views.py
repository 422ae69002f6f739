import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from attendance import services
from attendance.models import AttendanceImport, AttendanceRecord, PupilAttendance, QueueDismissal
from attendance.selectors import queue_members
from cases.services import open_case
from tests.attendance.conftest import HEADER
from tests.factories import LinkAssignmentFactory

pytestmark = pytest.mark.django_db

# Chloe at school 100002: 5 of 20 sessions over two weeks, severely absent with enough sessions.
CHLOE = [
    "100002,P851400317142,Specimen,Chloe,2012-11-23,8,2025-09-01,2025-09-05,10,2,1,7,0,0,7,K,Y",
    "100002,P851400317142,Specimen,Chloe,2012-11-23,8,2025-09-08,2025-09-12,10,3,0,7,0,0,7,K,Y",
]
CHLOE_MONDAY = (
    "100002,P851400317142,Specimen,Chloe,2012-11-23,8,2025-09-15,2025-09-15,2,0,0,2,0,0,2,K,Y"
)
AMIRA = "100001,C851200119017,Example,Amira,2015-03-14,5,2025-09-08,2025-09-12,10,10,0,0,0,0,0,N,N"


def _upload(client, text, name="attendance.csv"):
    upload = SimpleUploadedFile(name, text.encode(), content_type="text/csv")
    return client.post(reverse("attendance:import-start"), {"file": upload}, follow=True)


@pytest.fixture
def school_b_coordinator(sample_schools):
    return LinkAssignmentFactory(school=sample_schools[1]).user


def test_checking_a_file_shows_what_it_would_do_and_stores_nothing(
    client, administrator, sample_schools
):
    client.force_login(administrator)

    response = _upload(client, HEADER + "\n" + "\n".join(CHLOE) + "\n")

    page = response.content.decode()
    assert "What importing this file would do" in page
    assert "No problems found" in page
    assert response.context["record"].counts["newly_in_queue"] == 1
    assert not AttendanceRecord.objects.exists()


def test_import_after_a_check_stores_the_file_and_fills_the_queue(
    client, administrator, sample_schools
):
    client.force_login(administrator)
    checked = _upload(client, HEADER + "\n" + "\n".join(CHLOE) + "\n").context["record"]

    response = client.post(reverse("attendance:import-confirm", args=[checked.pk]), follow=True)

    assert response.context["record"].status == "imported"
    assert AttendanceRecord.objects.count() == 2
    queue = client.get(reverse("attendance:queue")).content.decode()
    assert "Specimen, Chloe" in queue
    assert "25.0%" in queue


def test_a_checked_file_cannot_be_imported_twice(client, administrator, sample_schools):
    client.force_login(administrator)
    checked = _upload(client, HEADER + "\n" + AMIRA + "\n").context["record"]
    client.post(reverse("attendance:import-confirm", args=[checked.pk]))

    response = client.post(reverse("attendance:import-confirm", args=[checked.pk]), follow=True)

    assert "already been imported" in response.content.decode()
    assert AttendanceImport.objects.filter(dry_run=False).count() == 1


def test_a_refused_file_lists_each_error_and_offers_them_all_as_a_spreadsheet(
    client, administrator, sample_schools
):
    client.force_login(administrator)
    bad = AMIRA.replace(",10,10,0,0,", ",10,11,0,0,")

    response = _upload(client, HEADER + "\n" + bad + "\n")
    record = response.context["record"]
    csv_text = b"".join(
        client.get(reverse("attendance:import-problems", args=[record.pk])).streaming_content
    ).decode()

    assert "Nothing was stored: the file has 1 error" in response.content.decode()
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert rows[0] == ["row", "column", "value", "problem", "kind"]
    assert rows[1][:2] == ["2", "possible_sessions"]


def test_a_file_over_the_size_limit_is_refused_with_a_clear_message(
    client, administrator, settings
):
    settings.ATTENDANCE_IMPORT_MAX_BYTES = 100
    client.force_login(administrator)

    response = _upload(client, HEADER + "\n" + AMIRA + "\n")

    assert "the most the service accepts is 100" in response.content.decode()
    assert not AttendanceImport.objects.exists()


def test_import_history_shows_imports_to_those_who_could_have_made_them(
    client, administrator, sample_schools, school_b_coordinator, link_coordinator
):
    client.force_login(administrator)
    _upload(client, HEADER + "\n" + "\n".join(CHLOE) + "\n")

    client.force_login(school_b_coordinator)
    assert "attendance.csv" in client.get(reverse("attendance:import-list")).content.decode()
    client.force_login(link_coordinator)  # school A only
    assert "attendance.csv" not in client.get(reverse("attendance:import-list")).content.decode()


@pytest.fixture
def chloe_in_queue(do_import, write_file, sample_schools):
    do_import(write_file(HEADER + "\n" + "\n".join(CHLOE) + "\n"))
    return PupilAttendance.objects.get(pupil__upn="P851400317142")


def test_a_link_coordinator_sees_only_their_schools_pupils_in_the_queue(
    client, chloe_in_queue, link_coordinator, school_b_coordinator
):
    client.force_login(link_coordinator)
    assert "Specimen" not in client.get(reverse("attendance:queue")).content.decode()

    client.force_login(school_b_coordinator)
    assert "Specimen" in client.get(reverse("attendance:queue")).content.decode()


def test_dismissing_a_pupil_keeps_them_out_of_the_queue_while_their_rate_holds(
    client, chloe_in_queue, school_b_coordinator, do_import, write_file
):
    client.force_login(school_b_coordinator)
    client.post(
        reverse("attendance:dismiss", args=[chloe_in_queue.pupil_id]),
        {"reason": "Known medical reason; hospital education in place"},
    )
    assert QueueDismissal.objects.get().attendance_rate == Decimal("25.00")
    # Monday 15 September missed too: 5 of 22 is 22.7%, down 2.3 points.
    do_import(write_file(HEADER + "\n" + CHLOE_MONDAY + "\n"))

    assert "Specimen, Chloe" not in client.get(reverse("attendance:queue")).content.decode()


def test_a_dismissed_pupil_returns_when_their_rate_falls_another_10_points(
    chloe_in_queue, school_b_coordinator
):
    services.dismiss_from_queue(
        pupil=chloe_in_queue.pupil, start_year=2025, reason="Known", by=school_b_coordinator
    )
    assert not queue_members(2025).filter(pk=chloe_in_queue.pk).exists()

    PupilAttendance.objects.filter(pk=chloe_in_queue.pk).update(attendance_rate=Decimal("15.00"))

    assert queue_members(2025).filter(pk=chloe_in_queue.pk).exists()


def test_the_at_risk_list_shows_current_recent_and_projected_rates(
    client, administrator, do_import, write_file, sample_schools
):
    # Five weeks to Friday 3 October: 8/8, 10/10, 6/10, 2/10, 0/10 is 54.2% (not yet severe);
    # the last 4 weeks of records 18/40 = 45%; 110 sessions left to 19 December at 45% gives
    # (26 + 49.5) / 158 = 47.8% at term end.
    weeks = [
        ("09-01", "09-05", 8, 8),
        ("09-08", "09-12", 10, 10),
        ("09-15", "09-19", 10, 6),
        ("09-22", "09-26", 10, 2),
        ("09-29", "10-03", 10, 0),
    ]
    rows = [
        f"100001,C851200119017,Example,Amira,2015-03-14,5,2025-{start},2025-{end},"
        f"{possible},{attended},{possible - attended},0,0,{possible - attended},0,N,N"
        for start, end, possible, attended in weeks
    ]
    do_import(write_file(HEADER + "\n" + "\n".join(rows) + "\n"), today=datetime.date(2025, 10, 6))
    client.force_login(administrator)

    page = client.get(reverse("attendance:at-risk")).content.decode()

    assert "Example, Amira" in page
    assert "54.2%" in page
    assert "45.0%" in page
    assert "47.8%" in page


def test_the_command_line_import_exits_1_and_lists_errors_when_refused(
    sample_schools, administrator, tmp_path, capsys
):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "\n" + AMIRA.replace("C851", "A851") + "\n")

    with pytest.raises(SystemExit) as exit_:
        call_command("import_attendance", str(path), "--user", administrator.email)

    assert exit_.value.code == 1
    assert "should be C, not A" in capsys.readouterr().err
    assert not AttendanceRecord.objects.exists()


def test_the_command_line_import_stores_the_file_and_prints_the_summary(
    sample_schools, administrator, tmp_path, capsys
):
    path = tmp_path / "good.csv"
    path.write_text(HEADER + "\n" + AMIRA + "\n")

    call_command("import_attendance", str(path), "--user", administrator.email)

    out = capsys.readouterr().out
    assert "Imported" in out
    assert "Attendance records: new" in out
    assert AttendanceRecord.objects.count() == 1


def test_the_pupil_page_shows_the_attendance_table_and_chart(
    client, administrator, do_import, write_file, sample_schools
):
    do_import(write_file(HEADER + "\n" + "\n".join(CHLOE) + "\n"))
    client.force_login(administrator)
    pupil = PupilAttendance.objects.get().pupil

    page = client.get(reverse("schools:pupil-detail", args=[pupil.pk])).content.decode()

    assert "25.0% (5 of 20 possible sessions" in page
    assert "Severely absent" in page
    assert 'role="img"' in page
    assert "Attendance by period" in page
    assert "8 to 12 Sep 2025" in page


def test_a_pupil_with_an_open_case_leaves_the_queue(chloe_in_queue, school_b_coordinator):
    open_case(
        pupil=chloe_in_queue.pupil,
        by=school_b_coordinator,
        reason="Severely absent",
        rag="red",
        tier=3,
    )

    assert not queue_members(2025).exists()
