"""Celery tasks of early help plans, scheduled by django-celery-beat (migration 0003)."""

from dataclasses import asdict

from celery import shared_task
from django.utils import timezone

from early_help_plans import attachments, overdue


@shared_task
def flag_overdue_reviews_task() -> dict[str, int]:
    """Rule 3, daily: flag overdue plans and notify once per overdue period."""
    return asdict(overdue.flag_overdue_reviews(today=timezone.localdate()))


@shared_task
def weekly_review_digest_task() -> dict[str, int]:
    """Weekly: each lead professional's reviews due in the next 7 days."""
    return asdict(overdue.weekly_review_digest(today=timezone.localdate()))


@shared_task
def remove_orphaned_attachment_files_task() -> int:
    """Daily: plan files left by uploads that did not complete."""
    return attachments.remove_orphaned_files()
