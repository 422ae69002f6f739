"""Rule 3: the overdue job flags every overdue plan and notifies its people once per period."""

import datetime
import importlib
import zoneinfo

import pytest
import redis
import time_machine
from celery import Celery
from celery.contrib.testing.app import setup_default_app
from celery.contrib.testing.worker import start_worker
from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from early_help_plans.models import EarlyHelpPlan, Notification, OverdueNotice, PlanChild
from early_help_plans.overdue import flag_overdue_reviews, weekly_review_digest
from early_help_plans.tasks import flag_overdue_reviews_task
from tests.factories import (
    LeadProfessionalFactory,
    LinkAssignmentFactory,
    PupilFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

AGREED_ON = datetime.date(2025, 9, 1)
DUE_ON = datetime.date(2025, 10, 13)  # day 42: due, still on time
FIRST_OVERDUE_DAY = datetime.date(2025, 10, 14)  # day 43
LONDON = zoneinfo.ZoneInfo("Europe/London")
# The worker test's broker and results live apart from the development Redis database.
WORKER_REDIS_URL = "redis://127.0.0.1:6379/14"


def _plan(*, lead=None, schools=(), status="active", agreed_on=AGREED_ON, **fields):
    plan = EarlyHelpPlan.objects.create(
        family_name="the Specimen family",
        created_by=UserFactory(),
        status=status,
        consent_to_share=True,
        lead_professional=lead or LeadProfessionalFactory(user=UserFactory()),
        agreed_on=agreed_on,
        **fields,
    )
    for school in schools:
        PlanChild.objects.create(
            plan=plan,
            pupil=PupilFactory(current_school=school),
            plan_is_active=status == "active",
        )
    return plan


@pytest.fixture
def flag(django_capture_on_commit_callbacks):
    """Run the job as the task does: emails go when the claim commits."""

    def run(today):
        with django_capture_on_commit_callbacks(execute=True):
            return flag_overdue_reviews(today=today)

    return run


def _on(day):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(6), LONDON), tick=False)


def test_a_plan_is_not_flagged_on_the_day_its_review_falls_due(django_capture_on_commit_callbacks):
    _plan()

    with _on(DUE_ON), django_capture_on_commit_callbacks(execute=True):
        outcome = flag_overdue_reviews_task.delay().get()

    assert outcome["flagged"] == 0
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_a_plan_is_flagged_the_day_after_its_review_falls_due(django_capture_on_commit_callbacks):
    plan = _plan()

    with _on(FIRST_OVERDUE_DAY), django_capture_on_commit_callbacks(execute=True):
        outcome = flag_overdue_reviews_task.delay().get()

    assert outcome == {"flagged": 1, "notifications": 1, "emails": 1}
    assert OverdueNotice.objects.get().due_on == DUE_ON
    assert Notification.objects.get().plan == plan
    assert len(mail.outbox) == 1


def test_running_the_job_twice_sends_nothing_twice(flag, school_a, link_coordinator):
    _plan(schools=[school_a])
    flag(FIRST_OVERDUE_DAY)

    second = flag(FIRST_OVERDUE_DAY + datetime.timedelta(days=1))

    assert second.flagged == second.notifications == second.emails == 0
    assert Notification.objects.count() == 2  # the lead professional and the link co-ordinator
    assert len(mail.outbox) == 2


def test_a_recorded_review_ends_the_overdue_period_and_the_next_one_notifies_again(flag):
    plan = _plan()
    flag(FIRST_OVERDUE_DAY)
    plan.last_reviewed_on = datetime.date(2025, 10, 20)  # due again on 1 December
    plan.save()
    assert flag(datetime.date(2025, 12, 1)).flagged == 0  # on time again

    again = flag(datetime.date(2025, 12, 2))

    assert again.flagged == 1
    assert Notification.objects.filter(plan=plan).count() == 2
    assert len(mail.outbox) == 2
    assert "was due on 1 December 2025" in mail.outbox[1].body


def test_the_lead_professional_gets_a_notification_and_an_email(flag):
    lead_user = UserFactory(email="lee@council.example")
    plan = _plan(lead=LeadProfessionalFactory(user=lead_user))

    flag(FIRST_OVERDUE_DAY)

    notification = Notification.objects.get()
    assert (notification.user, notification.plan) == (lead_user, plan)
    assert notification.kind == Notification.Kind.OVERDUE_REVIEW
    assert "was due on 13 October 2025" in notification.message
    assert [message.to for message in mail.outbox] == [["lee@council.example"]]
    assert f"/plans/{plan.pk}/" in mail.outbox[0].body


def test_an_external_lead_professional_gets_an_email_only(flag):
    _plan(lead=LeadProfessionalFactory(user=None, email="worker@charity.example"))

    result = flag(FIRST_OVERDUE_DAY)

    assert (result.notifications, result.emails) == (0, 1)
    assert [message.to for message in mail.outbox] == [["worker@charity.example"]]


def test_the_link_coordinators_of_each_childs_school_are_notified(flag, school_a, school_b):
    first = LinkAssignmentFactory(school=school_a, user__email="lc-a@council.example").user
    second = LinkAssignmentFactory(school=school_b, user__email="lc-b@council.example").user
    external = LeadProfessionalFactory(user=None, email="worker@charity.example")
    _plan(lead=external, schools=[school_a, school_a, school_b])  # siblings at two schools

    flag(FIRST_OVERDUE_DAY)

    assert sorted(n.user.email for n in Notification.objects.all()) == [first.email, second.email]
    assert sorted(m.to[0] for m in mail.outbox) == [
        "lc-a@council.example",
        "lc-b@council.example",
        "worker@charity.example",
    ]


def test_a_lead_professional_who_is_also_the_link_coordinator_is_notified_once(flag, school_a):
    person = LinkAssignmentFactory(school=school_a).user
    _plan(lead=LeadProfessionalFactory(user=person), schools=[school_a])

    flag(FIRST_OVERDUE_DAY)

    assert Notification.objects.filter(user=person).count() == 1
    assert len(mail.outbox) == 1


def test_draft_and_closed_plans_are_not_flagged(flag, school_a, link_coordinator):
    _plan(status="draft", schools=[school_a])
    _plan(
        status="closed",
        closed_on=datetime.date(2025, 9, 30),
        closure_reason="moved_out",
        schools=[school_a],
    )

    result = flag(FIRST_OVERDUE_DAY)

    assert result.flagged == 0
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_the_email_subject_names_no_one(flag, school_a, link_coordinator):
    _plan(schools=[school_a])

    flag(FIRST_OVERDUE_DAY)

    child = PlanChild.objects.get().pupil
    for message in mail.outbox:
        assert message.subject == "A Family Early Help Plan review is overdue"
        assert child.family_name not in message.body
        assert child.given_name not in message.body


def test_the_command_prints_what_it_flagged_and_sent(capsys, school_a, link_coordinator):
    _plan(schools=[school_a])

    call_command("flag_overdue_reviews", "--date", FIRST_OVERDUE_DAY.isoformat())

    assert capsys.readouterr().out == "Flagged 1 overdue plans; sent 2 notifications (2 emails).\n"


def test_the_weekly_digest_lists_each_lead_professionals_reviews_due_within_7_days_once(
    django_capture_on_commit_callbacks,
):
    lead = LeadProfessionalFactory(user=UserFactory(email="lee@council.example"))
    monday = datetime.date(2025, 10, 13)
    due_sunday = _plan(lead=lead, agreed_on=monday + datetime.timedelta(days=6 - 42))
    _plan(lead=lead, agreed_on=monday + datetime.timedelta(days=7 - 42))  # next Monday: next week
    _plan(lead=lead, agreed_on=monday - datetime.timedelta(days=43))  # overdue: not "due soon"

    with django_capture_on_commit_callbacks(execute=True):
        first = weekly_review_digest(today=monday)
    with django_capture_on_commit_callbacks(execute=True):
        again = weekly_review_digest(today=monday + datetime.timedelta(days=2))

    assert (first.digests, first.emails, again.digests, again.emails) == (1, 1, 0, 0)
    assert [m.to for m in mail.outbox] == [["lee@council.example"]]
    assert f"/plans/{due_sunday.pk}/" in mail.outbox[0].body
    assert mail.outbox[0].body.count("/plans/") == 1
    assert Notification.objects.get().kind == Notification.Kind.REVIEW_DUE_SOON


def test_the_schedules_are_in_the_database_once_whatever_the_reruns():
    migration = importlib.import_module(
        "early_help_plans.migrations.0003_overdue_and_digest_schedules"
    )

    migration.create_schedules(apps, None)  # again, after migrate already ran it

    daily = PeriodicTask.objects.get(name="Flag overdue plan reviews")
    weekly = PeriodicTask.objects.get(name="Weekly reviews-due digest")
    assert daily.task == "early_help_plans.tasks.flag_overdue_reviews_task"
    assert (daily.crontab.hour, daily.crontab.minute, str(daily.crontab.timezone)) == (
        "6",
        "0",
        "Europe/London",
    )
    assert weekly.task == "early_help_plans.tasks.weekly_review_digest_task"
    assert (weekly.crontab.day_of_week, weekly.crontab.hour) == ("1", "7")


@pytest.mark.worker
# As the other tests that commit do, it puts back the rows migrations made (content types among
# them) rather than flushing and making them again under new ids, which a later test's restored
# rows would then collide with.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_flagging_at_once_notify_each_recipient_once(settings, school_a):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = WORKER_REDIS_URL
    settings.CELERY_RESULT_BACKEND = WORKER_REDIS_URL
    redis.Redis.from_url(WORKER_REDIS_URL).flushdb()  # no task left over from an earlier run
    link_coordinator = LinkAssignmentFactory(school=school_a).user
    lead_user = UserFactory()
    today = timezone.localdate()
    plans = [
        _plan(
            lead=LeadProfessionalFactory(user=lead_user),
            schools=[school_a],
            agreed_on=today - datetime.timedelta(days=60),
        )
        for _ in range(20)
    ]
    # The project's Celery configuration (attendance_tracker.celery.app reads the same settings),
    # in an app of its own so the eager app other tests use is left as it was.
    worker_app = Celery("attendance_tracker", set_as_current=False)
    worker_app.config_from_object("django.conf:settings", namespace="CELERY")

    with (
        setup_default_app(worker_app),
        start_worker(
            worker_app,
            pool="threads",
            concurrency=2,
            perform_ping_check=False,
            shutdown_timeout=30,
        ),
    ):
        runs = [flag_overdue_reviews_task.delay(), flag_overdue_reviews_task.delay()]
        outcomes = [run.get(timeout=30) for run in runs]

    assert sorted(outcome["flagged"] for outcome in outcomes) == [0, len(plans)]
    for person in (link_coordinator, lead_user):
        assert Notification.objects.filter(user=person).count() == len(plans)
        assert sum(message.to == [person.email] for message in mail.outbox) == len(plans)
    assert len(mail.outbox) == 2 * len(plans)
