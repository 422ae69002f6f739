"""Personas and test-only settings.

alice-style personas, as the roles are named in the domain: a link co-ordinator and a pastoral
lead at school A, a pastoral lead at school B (the outsider every view is tested against), a
manager, an administrator, an early help worker, and a signed-up user with no role at all.
"""

import os

import pytest

from accounts.models import User
from schools.models import School
from tests.factories import LinkAssignmentFactory, SchoolFactory, SchoolStaffFactory, UserFactory

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run in a
# thread with a running loop unless told it is safe (it is: tests run one at a time).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _test_settings(settings: object, tmp_path: object) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")  # type: ignore[attr-defined, operator]
    settings.STORAGES = {  # type: ignore[attr-defined]
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # type: ignore[attr-defined]
    settings.CELERY_TASK_ALWAYS_EAGER = True  # type: ignore[attr-defined]
    settings.REQUIRE_TWO_FACTOR = False  # type: ignore[attr-defined]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture
def school_a(db: None) -> School:
    return SchoolFactory(name="Amberfield Primary School")


@pytest.fixture
def school_b(db: None) -> School:
    return SchoolFactory(name="Birchwood Academy", phase=School.Phase.SECONDARY)


@pytest.fixture
def administrator(db: None) -> User:
    return UserFactory(full_name="Ada Administrator", is_administrator=True)


@pytest.fixture
def manager(db: None) -> User:
    return UserFactory(full_name="Mo Manager", is_manager=True)


@pytest.fixture
def link_coordinator(school_a: School) -> User:
    return LinkAssignmentFactory(school=school_a, user__full_name="Lin Coordinator").user


@pytest.fixture
def pastoral_lead(school_a: School) -> User:
    return SchoolStaffFactory(school=school_a, user__full_name="Pat Pastoral").user


@pytest.fixture
def other_school_pastoral_lead(school_b: School) -> User:
    return SchoolStaffFactory(school=school_b, user__full_name="Oli Otherschool").user


@pytest.fixture
def early_help_worker(db: None) -> User:
    return UserFactory(full_name="Eli Earlyhelp", is_early_help_worker=True)


@pytest.fixture
def user_without_role(db: None) -> User:
    return UserFactory(full_name="Nia Norole")


PERSONAS = (
    "administrator",
    "manager",
    "link_coordinator",
    "pastoral_lead",
    "other_school_pastoral_lead",
    "early_help_worker",
    "user_without_role",
)


@pytest.fixture
def persona(request: pytest.FixtureRequest) -> User:
    """Parametrise with indirect=True and a persona's name."""
    return request.getfixturevalue(request.param)
