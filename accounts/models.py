"""Users and their roles.

A person signs in with their email address. Roles are flags because one person may hold several
(a manager who is also a link co-ordinator); a school pastoral lead is anyone with a staff
membership at a school (`schools.SchoolStaff`), and a link co-ordinator's schools are their
`schools.LinkAssignment`s. What a role may see is decided in one place per model: its
`visible_to(user)` query.
"""

from functools import cached_property
from typing import Any, ClassVar

import pghistory
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models


class EmailUserManager(UserManager["User"]):
    def _create_user_object(
        self, username: str | None, email: str | None, password: str | None, **extra: Any
    ) -> "User":
        email = self.normalize_email(email or username)
        user = self.model(email=email, **extra)
        user.password = ""
        if password is not None:
            user.set_password(password)
        return user

    def create_user(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra: Any
    ) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        user = self._create_user_object(None, email, password, **extra)
        user.save(using=self._db)
        return user

    def create_superuser(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra: Any
    ) -> "User":
        extra.setdefault("is_administrator", True)
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(email__iexact=username)


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", "Administrator"
    MANAGER = "manager", "Manager"
    LINK_COORDINATOR = "link_coordinator", "Link co-ordinator"
    PASTORAL_LEAD = "pastoral_lead", "School pastoral lead"
    EARLY_HELP_WORKER = "early_help_worker", "Early help worker"


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(
        # Sign-ins touch last_login; only changes that matter to an auditor are recorded.
        condition=pghistory.AnyChange(exclude=["last_login"]),
    ),
    pghistory.DeleteEvent(),
    exclude=["password"],
)
class User(AbstractUser):
    username = None  # type: ignore[assignment]
    email = models.EmailField("Email address", unique=True)
    full_name = models.CharField("Full name", max_length=150)
    job_title = models.CharField("Job title", max_length=150, blank=True)
    phone = models.CharField("Phone", max_length=40, blank=True)

    is_administrator = models.BooleanField(
        "Administrator", default=False, help_text="Manages users, schools, term dates and imports."
    )
    is_manager = models.BooleanField(
        "Manager", default=False, help_text="Sees every school read-only, and the dashboards."
    )
    is_link_coordinator = models.BooleanField(
        "Link co-ordinator", default=False, help_text="Works with the schools assigned to them."
    )
    is_early_help_worker = models.BooleanField(
        "Early help worker",
        default=False,
        help_text="Sees the cases and plans they are named on.",
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["full_name"]

    objects = EmailUserManager()  # type: ignore[misc]

    class Meta:
        ordering = ["full_name", "email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @cached_property
    def is_pastoral_lead(self) -> bool:
        return self.school_memberships.exists()

    def role_labels(self) -> list[str]:
        labels = []
        if self.is_administrator:
            labels.append(Role.ADMINISTRATOR.label)
        if self.is_manager:
            labels.append(Role.MANAGER.label)
        if self.is_link_coordinator:
            labels.append(Role.LINK_COORDINATOR.label)
        if self.is_pastoral_lead:
            labels.append(Role.PASTORAL_LEAD.label)
        if self.is_early_help_worker:
            labels.append(Role.EARLY_HELP_WORKER.label)
        return labels
