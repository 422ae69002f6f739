"""Files for the child's voice on a plan: checked by what they are, kept out of any public URL."""

import datetime
import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLogEntry
from early_help_plans import attachments, services
from early_help_plans.models import Attachment, EarlyHelpPlan
from tests.factories import PupilFactory, SchoolStaffFactory
from tests.matrix_rows.plan_documents import PNG

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + b"0" * 32


@pytest.fixture
def plan(school_a):
    author = SchoolStaffFactory(school=school_a).user
    plan = services.start_plan(
        family_name="the Specimen family",
        children=[PupilFactory(current_school=school_a, given_name="Amira")],
        by=author,
    )
    EarlyHelpPlan.objects.filter(pk=plan.pk).update(consent_to_share=True)
    return plan


@pytest.fixture
def attachment(plan):
    return Attachment.objects.create(
        plan=plan,
        file=ContentFile(PNG, name="upload"),
        original_name="amira-drawing.png",
        content_type="image/png",
        size=len(PNG),
        description="Amira’s drawing of her morning",
        uploaded_by=plan.created_by,
    )


def _list(plan):
    return reverse("early_help_plans:plan-attachments", args=[plan.pk])


def _download(attachment):
    return reverse("early_help_plans:attachment-download", args=[attachment.plan_id, attachment.pk])


def _delete(attachment):
    return reverse("early_help_plans:attachment-delete", args=[attachment.plan_id, attachment.pk])


def _upload(client, plan, content, name="drawing.png", claimed="image/png", description=""):
    return client.post(
        _list(plan),
        {
            "file": SimpleUploadedFile(name, content, content_type=claimed),
            "description": description,
        },
    )


def _stored_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


# Uploading --------------------------------------------------------------------------------------


def test_a_pastoral_lead_uploads_a_drawing_and_sees_it_listed(
    client, plan, pastoral_lead, settings
):
    client.force_login(pastoral_lead)

    response = _upload(client, plan, PNG, description="Amira’s drawing of her morning")

    assert response.status_code == 302
    assert response["Location"] == _list(plan)
    attachment = Attachment.objects.get()
    assert attachment.original_name == "drawing.png"
    assert attachment.content_type == "image/png"
    assert attachment.size == len(PNG)
    assert attachment.uploaded_by == pastoral_lead
    # Stored under a random name that says nothing about the child or the file.
    assert "drawing" not in attachment.file.name
    assert [path.read_bytes() for path in _stored_files(settings)] == [PNG]
    page = client.get(_list(plan)).text
    assert "drawing.png" in page
    assert "Amira’s drawing of her morning" in page
    assert "PNG image, 67\xa0bytes" in page


@pytest.mark.parametrize(
    ("content", "name", "claimed", "stored_as"),
    [
        (JPEG, "worksheet.jpeg", "image/jpeg", "image/jpeg"),
        (PDF, "worksheet.pdf", "application/pdf", "application/pdf"),
        # The contents decide, whatever the name or the browser says.
        (PNG, "photo.jpg", "application/octet-stream", "image/png"),
    ],
)
def test_a_jpeg_or_pdf_is_accepted_and_stored_as_what_it_is(
    client, plan, pastoral_lead, content, name, claimed, stored_as
):
    client.force_login(pastoral_lead)

    _upload(client, plan, content, name=name, claimed=claimed)

    assert Attachment.objects.get().content_type == stored_as


def test_a_text_file_named_png_is_refused_saying_what_is_wrong(
    client, plan, pastoral_lead, settings
):
    client.force_login(pastoral_lead)

    response = _upload(client, plan, b"not really a picture\n", name="drawing.png")

    assert response.status_code == 200
    page = response.text
    assert "govuk-error-summary" in page
    assert "The selected file must be a PNG, JPEG or PDF" in page
    assert "drawing.png" in page
    assert not Attachment.objects.exists()
    assert _stored_files(settings) == []


def test_a_file_over_the_limit_is_refused(client, plan, pastoral_lead, settings):
    settings.PLAN_ATTACHMENT_MAX_BYTES = 100
    client.force_login(pastoral_lead)

    response = _upload(client, plan, PNG + b"\x00" * 100)

    assert (
        "The selected file is 167\xa0bytes: it must be smaller than 100\xa0bytes" in response.text
    )
    assert not Attachment.objects.exists()
    assert _stored_files(settings) == []


def test_the_limit_is_10_mb_unless_set(settings):
    del settings.PLAN_ATTACHMENT_MAX_BYTES

    assert attachments.max_bytes() == 10 * 1024 * 1024


def test_an_upload_without_a_file_asks_for_one(client, plan, pastoral_lead):
    client.force_login(pastoral_lead)

    response = client.post(_list(plan), {"description": "A drawing"})

    assert "Select a file to upload" in response.text
    assert not Attachment.objects.exists()


def test_each_upload_is_in_the_history_with_who_made_it(client, plan, pastoral_lead):
    client.force_login(pastoral_lead)

    _upload(client, plan, PNG)

    event = apps.get_model("early_help_plans", "AttachmentEvent").objects.get()
    assert event.pgh_label == "insert"
    assert event.pgh_context.metadata["user"] == pastoral_lead.pk


# Downloading ------------------------------------------------------------------------------------


def test_the_file_downloads_as_stored_and_the_download_is_logged(
    client, attachment, link_coordinator
):
    client.force_login(link_coordinator)

    response = client.get(_download(attachment))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == (
        f'attachment; filename="family-early-help-plan-{attachment.plan_id}-file-'
        f'{attachment.pk}.png"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    entry = AccessLogEntry.objects.get()
    assert entry.action == AccessLogEntry.Action.DOWNLOAD
    assert entry.user == link_coordinator
    assert entry.pupil_ids == list(attachment.plan.children.values_list("pupil_id", flat=True))


def test_a_manager_may_download_but_neither_upload_nor_delete(client, attachment, manager):
    client.force_login(manager)

    assert client.get(_download(attachment)).status_code == 200
    assert "Upload the file" not in client.get(_list(attachment.plan)).text
    assert _upload(client, attachment.plan, PNG).status_code == 403
    assert client.post(_delete(attachment)).status_code == 403
    assert Attachment.objects.count() == 1


# Out of scope -----------------------------------------------------------------------------------


def test_a_pastoral_lead_at_another_school_cannot_tell_the_files_exist(
    client, attachment, other_school_pastoral_lead
):
    client.force_login(other_school_pastoral_lead)

    assert client.get(_list(attachment.plan)).status_code == 404
    assert client.get(_download(attachment)).status_code == 404
    assert client.get(_delete(attachment)).status_code == 404
    assert client.post(_delete(attachment)).status_code == 404
    assert _upload(client, attachment.plan, PNG).status_code == 404
    assert Attachment.objects.count() == 1
    assert not AccessLogEntry.objects.exists()


def test_without_consent_a_link_coordinator_neither_author_nor_lead_gets_not_found(
    client, attachment, link_coordinator
):
    EarlyHelpPlan.objects.filter(pk=attachment.plan_id).update(consent_to_share=False)
    client.force_login(link_coordinator)

    assert client.get(_list(attachment.plan)).status_code == 404
    assert client.get(_download(attachment)).status_code == 404


def test_a_file_is_not_found_through_another_plan(client, attachment, school_a, manager):
    other = services.start_plan(
        family_name="the Sample family",
        children=[PupilFactory(current_school=school_a)],
        by=attachment.uploaded_by,
    )
    client.force_login(manager)

    url = reverse("early_help_plans:attachment-download", args=[other.pk, attachment.pk])

    assert client.get(url).status_code == 404


# Deleting ---------------------------------------------------------------------------------------


def test_deleting_asks_first_then_removes_the_record_and_the_file(
    client, attachment, pastoral_lead, settings, django_capture_on_commit_callbacks
):
    client.force_login(pastoral_lead)

    page = client.get(_delete(attachment)).text
    assert "Are you sure you want to delete amira-drawing.png?" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_delete(attachment))

    assert response.status_code == 302
    assert response["Location"] == _list(attachment.plan)
    assert not Attachment.objects.exists()
    assert _stored_files(settings) == []
    assert "amira-drawing.png was deleted." in client.get(_list(attachment.plan)).text


# A closed plan ----------------------------------------------------------------------------------


@pytest.fixture
def closed(attachment):
    EarlyHelpPlan.objects.filter(pk=attachment.plan_id).update(
        status="closed", closed_on="2025-11-01", closure_reason="moved_out"
    )
    return attachment


def test_a_closed_plan_refuses_a_new_file_and_says_why(client, closed, pastoral_lead):
    client.force_login(pastoral_lead)

    response = _upload(client, closed.plan, PNG)

    assert response.status_code == 200
    assert "This plan is closed, so its files can no longer be added or deleted." in response.text
    assert Attachment.objects.count() == 1


def test_a_closed_plan_keeps_its_files_and_says_why(client, closed, pastoral_lead):
    client.force_login(pastoral_lead)

    response = client.post(_delete(closed), follow=True)

    assert Attachment.objects.count() == 1
    assert "This plan is closed, so its files can no longer be added or deleted." in response.text
    page = client.get(_list(closed.plan)).text
    assert "Upload the file" not in page
    assert "amira-drawing.png" in page
    assert client.get(_download(closed)).status_code == 200


# Files left by uploads that did not complete ---------------------------------------------------


def _stray(plan, content=PNG):
    """A file written by an upload whose transaction then rolled back: no attachment names it."""
    storage = Attachment._meta.get_field("file").storage
    return storage.save(f"plan-attachments/{plan.pk}/0123456789abcdef", ContentFile(content))


def test_a_file_no_attachment_names_is_deleted_once_a_day_old(attachment, settings):
    stray = _stray(attachment.plan)
    a_day_on = timezone.now() + datetime.timedelta(days=1, minutes=1)

    assert attachments.remove_orphaned_files(now=a_day_on) == 1

    stored = {path.relative_to(settings.MEDIA_ROOT).as_posix() for path in _stored_files(settings)}
    assert stored == {attachment.file.name}
    assert stray not in stored


def test_a_file_no_attachment_names_yet_is_kept_for_a_day(attachment, settings):
    # Its upload may still be in its transaction.
    stray = _stray(attachment.plan)

    assert attachments.remove_orphaned_files() == 0

    stored = {path.relative_to(settings.MEDIA_ROOT).as_posix() for path in _stored_files(settings)}
    assert stored == {attachment.file.name, stray}


def test_with_no_files_stored_there_is_nothing_to_remove(settings):
    assert attachments.remove_orphaned_files() == 0


def test_the_removal_of_left_files_is_scheduled_daily_once_whatever_the_reruns():
    migration = importlib.import_module("early_help_plans.migrations.0006_orphaned_files_schedule")

    migration.create_schedule(apps, None)  # again, after migrate already ran it

    task = apps.get_model("django_celery_beat", "PeriodicTask").objects.get(
        task="early_help_plans.tasks.remove_orphaned_attachment_files_task"
    )
    assert (task.crontab.hour, task.crontab.minute, task.crontab.day_of_week) == ("3", "15", "*")
