import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AccessLogEntry
from schools.models import Pupil
from tests.factories import PupilFactory, SchoolFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pupil_at_b(school_b):
    return PupilFactory(current_school=school_b, given_name="Bram", family_name="Elsewhere")


PUPIL_PAGES = [
    "schools:pupil-detail",
    "schools:pupil-edit",
    "schools:pupil-move",
    "schools:pupil-history",
]


@pytest.mark.parametrize("url_name", PUPIL_PAGES)
def test_a_pastoral_lead_gets_not_found_for_every_page_of_a_pupil_at_another_school(
    client, pastoral_lead, pupil_at_b, url_name
):
    client.force_login(pastoral_lead)

    response = client.get(reverse(url_name, args=[pupil_at_b.pk]))

    assert response.status_code == 404


@pytest.mark.parametrize("query", ["Bram", "Elsewhere", "bram elsewhere", "14/03/2015"])
def test_a_pastoral_lead_never_finds_a_pupil_at_another_school_in_search(
    client, pastoral_lead, pupil_at_b, school_a, query
):
    PupilFactory(current_school=school_a, given_name="Ava", family_name="Athome")
    client.force_login(pastoral_lead)

    response = client.get(reverse("schools:pupil-list"), {"q": query})

    assert response.status_code == 200
    assert pupil_at_b.get_absolute_url() not in response.content.decode()


def test_a_pastoral_lead_cannot_find_another_schools_pupil_by_upn(
    client, pastoral_lead, pupil_at_b
):
    client.force_login(pastoral_lead)

    response = client.get(reverse("schools:pupil-list"), {"q": pupil_at_b.upn})

    assert pupil_at_b.get_absolute_url() not in response.content.decode()
    assert "No pupils match" in response.content.decode()


def test_a_pastoral_lead_cannot_filter_to_another_school(
    client, pastoral_lead, pupil_at_b, school_b
):
    client.force_login(pastoral_lead)

    response = client.get(reverse("schools:pupil-list"), {"school": school_b.pk})

    assert pupil_at_b.get_absolute_url() not in response.content.decode()


def _export(client, **params):
    response = client.get(reverse("schools:pupil-export"), params)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_a_pastoral_leads_export_holds_only_their_own_schools_pupils(
    client, pastoral_lead, pupil_at_b, school_a
):
    own = PupilFactory(current_school=school_a)
    client.force_login(pastoral_lead)

    rows = _export(client)

    assert [row[0] for row in rows[1:]] == [own.upn]


def test_an_export_is_recorded_in_the_access_log_with_each_pupil(client, pastoral_lead, school_a):
    pupils = PupilFactory.create_batch(3, current_school=school_a)
    client.force_login(pastoral_lead)

    _export(client)

    entry = AccessLogEntry.objects.get(action="export")
    assert entry.user == pastoral_lead
    assert sorted(entry.pupil_ids) == sorted(p.pk for p in pupils)


def test_an_exported_name_that_looks_like_a_formula_is_written_as_text(
    client, pastoral_lead, school_a
):
    PupilFactory(current_school=school_a, given_name="=HYPERLINK(1)", family_name="@Sum")
    client.force_login(pastoral_lead)

    rows = _export(client)

    assert rows[1][1:3] == ["'=HYPERLINK(1)", "'@Sum"]


def test_viewing_a_pupils_page_is_recorded_in_the_access_log(client, link_coordinator, school_a):
    pupil = PupilFactory(current_school=school_a)
    client.force_login(link_coordinator)

    client.get(reverse("schools:pupil-detail", args=[pupil.pk]))

    entry = AccessLogEntry.objects.get()
    assert (entry.user, entry.action, entry.pupil_ids) == (
        link_coordinator,
        "view_pupil",
        [pupil.pk],
    )


def test_an_administrator_sees_who_changed_and_who_viewed_a_pupil(
    client, administrator, link_coordinator, school_a
):
    pupil = PupilFactory(current_school=school_a, given_name="Amira")
    client.force_login(link_coordinator)
    client.get(reverse("schools:pupil-detail", args=[pupil.pk]))
    client.post(
        reverse("schools:pupil-edit", args=[pupil.pk]),
        {
            "upn": pupil.upn,
            "given_name": "Amara",
            "family_name": pupil.family_name,
            "date_of_birth": "14/03/2015",
            "year_group": "5",
            "sen_status": "N",
            "seen_version": pupil.version,
        },
    )
    client.force_login(administrator)

    page = client.get(reverse("schools:pupil-history", args=[pupil.pk])).content.decode()

    assert "Lin Coordinator" in page
    assert "Viewed the pupil’s record" in page
    assert "given_name: Amira → Amara" in page


def test_a_stale_edit_shows_a_clear_message_and_keeps_the_first_edit(
    client, link_coordinator, school_a
):
    pupil = PupilFactory(current_school=school_a, given_name="Amira")
    client.force_login(link_coordinator)
    form = {
        "upn": pupil.upn,
        "family_name": pupil.family_name,
        "date_of_birth": "14/03/2015",
        "year_group": "5",
        "sen_status": "N",
        "seen_version": pupil.version,
    }
    client.post(reverse("schools:pupil-edit", args=[pupil.pk]), {**form, "given_name": "Amara"})

    response = client.post(
        reverse("schools:pupil-edit", args=[pupil.pk]), {**form, "given_name": "Amy"}
    )

    assert "changed by someone else" in response.content.decode()
    pupil.refresh_from_db()
    assert pupil.given_name == "Amara"


def test_adding_a_pupil_with_a_wrong_check_letter_names_the_expected_letter(
    client, link_coordinator, school_a
):
    client.force_login(link_coordinator)

    response = client.post(
        reverse("schools:pupil-create"),
        {
            "school": school_a.pk,
            "started_on": "01/09/2024",
            "upn": "A851200119017",
            "given_name": "Amira",
            "family_name": "Example",
            "date_of_birth": "14/03/2015",
            "year_group": "5",
            "sen_status": "N",
        },
    )

    page = response.content.decode()
    assert "There is a problem" in page
    assert "should be C" in page
    assert not Pupil.objects.exists()


def test_a_manager_can_see_every_pupil_but_cannot_change_one(client, manager, pupil_at_b):
    client.force_login(manager)

    assert client.get(reverse("schools:pupil-detail", args=[pupil_at_b.pk])).status_code == 200
    assert client.get(reverse("schools:pupil-edit", args=[pupil_at_b.pk])).status_code == 403


def test_search_by_date_of_birth_finds_the_pupil(client, pastoral_lead, school_a):
    PupilFactory(current_school=school_a, family_name="Example", date_of_birth="2015-03-14")
    PupilFactory(current_school=school_a, family_name="Sample", date_of_birth="2016-01-01")
    client.force_login(pastoral_lead)

    page = client.get(reverse("schools:pupil-list"), {"q": "2015-03-14"}).content.decode()

    assert "Example" in page
    assert "Sample" not in page


def _queries_for_page(client, user, url, params):
    client.force_login(user)
    client.get(url, params)  # warm up the session and permission caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("params", [{}, {"q": "Example"}], ids=["pupil list", "pupil search"])
def test_the_pupil_list_runs_the_same_queries_for_10_and_200_pupils(
    client, link_coordinator, school_a, params
):
    url = reverse("schools:pupil-list")
    PupilFactory.create_batch(10, current_school=school_a, family_name="Example")
    with_10 = _queries_for_page(client, link_coordinator, url, params)
    PupilFactory.create_batch(190, current_school=school_a, family_name="Example")
    with_200 = _queries_for_page(client, link_coordinator, url, params)

    assert with_10 == with_200


def test_the_school_list_runs_the_same_queries_for_1_and_20_schools(client, administrator):
    url = reverse("schools:school-list")
    SchoolFactory()
    with_1 = _queries_for_page(client, administrator, url, {})
    SchoolFactory.create_batch(19)
    with_20 = _queries_for_page(client, administrator, url, {})

    assert with_1 == with_20


def test_the_pupil_list_pages_without_counting_every_row(client, administrator, school_a):
    PupilFactory.create_batch(51, current_school=school_a)
    client.force_login(administrator)

    first = client.get(reverse("schools:pupil-list")).content.decode()
    second = client.get(reverse("schools:pupil-list"), {"page": 2}).content.decode()

    assert "Showing 1 to 50 (more on the next page)" in first
    assert "Showing 51 to 51" in second
    assert 'rel="next"' not in second
