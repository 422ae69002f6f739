"""Attachments to a Family Early Help Plan: the child's voice, such as drawings and worksheets.

A file is accepted by what it is, not by what it is called: its first bytes must be those of a
PNG, a JPEG or a PDF, and the content type stored (and sent back on download) is the one those
bytes prove, never the browser's claim. Files are kept under random names in MEDIA_ROOT, which no
URL serves; the only way back out is the download view, with the plan's own access checks.
"""

import datetime
import logging
import re
from typing import IO

import pghistory
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from accounts.models import User
from early_help_plans.models import Attachment, EarlyHelpPlan

DEFAULT_MAX_BYTES = 10 * 1024 * 1024

# The first bytes of each kind of file accepted, and the content type each proves.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"%PDF-", "application/pdf"),
)
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "application/pdf": "pdf"}
KINDS = "a PNG, JPEG or PDF"
CLOSED = "This plan is closed, so its files can no longer be added or deleted."
FOLDER = "plan-attachments"  # as models.attachment_path
# A file younger than this may belong to an upload whose transaction has not yet committed.
ORPHAN_AGE = datetime.timedelta(days=1)

logger = logging.getLogger(__name__)


class AttachmentRefused(Exception):
    """The file or the change was refused; the message is shown to the user."""


def max_bytes() -> int:
    return int(getattr(settings, "PLAN_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def size_text(size: int) -> str:
    """A size as people write it: 10 MB, 2.5 MB, 67 bytes."""
    return str(filesizeformat(size)).replace(".0\xa0", "\xa0")


def sniff_content_type(file: IO[bytes] | UploadedFile) -> str | None:
    """The content type the file's first bytes prove, or None; leaves the file at its start."""
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def clean_name(name: str) -> str:
    """The family's own file name, as shown on the list: no path, no control characters."""
    name = re.sub(r"[\x00-\x1f\x7f]", "", name.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    return name[:200] or "file"


def check_upload(upload: UploadedFile) -> str:
    """The file's content type, or AttachmentRefused saying what is wrong with it."""
    limit = max_bytes()
    size = upload.size or 0
    if size == 0:
        raise AttachmentRefused("The selected file is empty")
    if size > limit:
        raise AttachmentRefused(
            f"The selected file is {size_text(size)}: it must be smaller than {size_text(limit)}"
        )
    content_type = sniff_content_type(upload)
    if content_type is None:
        raise AttachmentRefused(
            f"The selected file must be {KINDS}. “{clean_name(upload.name or '')}” is not one of "
            "these, whatever its name says"
        )
    return content_type


def _lock_open_plan(plan: EarlyHelpPlan) -> EarlyHelpPlan:
    """Lock the plan so that it cannot close between this check and the change."""
    locked = EarlyHelpPlan.objects.select_for_update().get(pk=plan.pk)
    if locked.status == EarlyHelpPlan.Status.CLOSED:
        raise AttachmentRefused(CLOSED)
    return locked


@transaction.atomic
def add_attachment(
    *, plan: EarlyHelpPlan, upload: UploadedFile, description: str, by: User
) -> Attachment:
    """Store a file on the plan. The plan's version is not changed: a file added while someone
    edits a section of the plan does not make their save stale."""
    content_type = check_upload(upload)
    with pghistory.context(user=by.pk):
        plan = _lock_open_plan(plan)
        attachment = Attachment(
            plan=plan,
            original_name=clean_name(upload.name or ""),
            content_type=content_type,
            size=upload.size or 0,
            description=description.strip(),
            uploaded_by=by,
        )
        attachment.full_clean(exclude=["file"])
        # Written under attachment_path's random name; the family's name stays in the database.
        attachment.file.save("upload", upload, save=False)
        try:
            attachment.save()
        except Exception:
            if attachment.file.name:  # no file left without its record
                attachment.file.storage.delete(attachment.file.name)
            raise
        return attachment


@transaction.atomic
def delete_attachment(*, attachment: Attachment, by: User) -> None:
    """Delete the record and, once that is committed, the stored file."""
    with pghistory.context(user=by.pk):
        _lock_open_plan(attachment.plan)
        stored = attachment.file.name
        storage = attachment.file.storage
        attachment.delete()
        if stored:
            transaction.on_commit(lambda: storage.delete(stored))


def remove_orphaned_files(*, now: datetime.datetime | None = None) -> int:
    """Delete stored plan files that no attachment names, once a day old: each was written by an
    upload whose transaction then rolled back, and is a child's data kept for no purpose. Returns
    how many were deleted."""
    now = now or timezone.now()
    storage = Attachment._meta.get_field("file").storage
    try:
        folders = storage.listdir(FOLDER)[0]
    except FileNotFoundError:
        return 0
    removed = 0
    for folder in folders:
        names = storage.listdir(f"{FOLDER}/{folder}")[1]
        known = set(
            Attachment.objects.filter(file__startswith=f"{FOLDER}/{folder}/").values_list(
                "file", flat=True
            )
        )
        for name in names:
            path = f"{FOLDER}/{folder}/{name}"
            if path not in known and now - storage.get_modified_time(path) >= ORPHAN_AGE:
                storage.delete(path)
                removed += 1
    if removed:
        logger.info("Deleted %d plan files left by uploads that did not complete", removed)
    return removed
