"""Rule 3: flag every overdue active plan and notify once per overdue period; the weekly digest.

An overdue period is the pair (plan, date the review fell due). It is claimed by inserting an
OverdueNotice row with ON CONFLICT DO NOTHING: only the rows this run inserted are notified, so a
second run, or a second worker at the same moment, finds them taken (the unique index decides,
not a lock or a read). Recording a review moves last_reviewed_on, so the next overdue period is a
new pair and notifies again. Emails go after the claim commits; if sending fails the claim stands,
so a recipient may miss an email but never gets one twice.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.core.mail import get_connection, send_mass_mail
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils.dateformat import format as format_date

from early_help_plans.models import REVIEW_INTERVAL, EarlyHelpPlan, Notification, PlanChild

BATCH = 2000
T = TypeVar("T")

# One statement finds and claims every overdue period (set-based, whatever the number of plans).
# Overdue from the day after the review falls due: due_on < today.
CLAIM_OVERDUE_SQL = """
INSERT INTO early_help_plans_overduenotice (plan_id, due_on, flagged_at)
SELECT id, coalesce(last_reviewed_on, agreed_on) + %(interval_days)s, now()
FROM early_help_plans_earlyhelpplan
WHERE status = 'active'
  AND coalesce(last_reviewed_on, agreed_on) + %(interval_days)s < %(today)s
ON CONFLICT (plan_id, due_on) DO NOTHING
RETURNING plan_id, due_on
"""

# The weekly digest is claimed the same way, once per lead professional per week.
CLAIM_DIGESTS_SQL = """
INSERT INTO early_help_plans_digestsent (lead_professional_id, week_start, sent_at)
SELECT DISTINCT lead_professional_id, %(week_start)s::date, now()
FROM early_help_plans_earlyhelpplan
WHERE status = 'active'
  AND lead_professional_id IS NOT NULL
  AND coalesce(last_reviewed_on, agreed_on) + %(interval_days)s >= %(today)s
  AND coalesce(last_reviewed_on, agreed_on) + %(interval_days)s < %(horizon)s
ON CONFLICT (lead_professional_id, week_start) DO NOTHING
RETURNING lead_professional_id
"""

Email = tuple[str, str, str, list[str]]  # subject, body, from, to: send_mass_mail's datatuple


@dataclass(frozen=True)
class Result:
    flagged: int  # overdue periods claimed by this run
    notifications: int  # in-app notifications created
    emails: int  # emails sent once the claim commits


@dataclass(frozen=True)
class DigestResult:
    digests: int  # lead professionals claimed for this week
    notifications: int
    emails: int


@dataclass(frozen=True)
class Recipient:
    user_id: int | None  # None: an external lead professional, email only
    email: str


def flag_overdue_reviews(*, today: datetime.date) -> Result:
    """Claim every overdue period not yet claimed, and notify each plan's people once."""
    notified = 0
    emails: list[Email] = []
    with transaction.atomic(durable=True):
        with connection.cursor() as cursor:
            cursor.execute(
                CLAIM_OVERDUE_SQL, {"today": today, "interval_days": REVIEW_INTERVAL.days}
            )
            claimed: list[tuple[int, datetime.date]] = cursor.fetchall()
        for batch in _batches(claimed, BATCH):
            due_on = dict(batch)
            plans = EarlyHelpPlan.objects.only("pk", "family_name").in_bulk(list(due_on))
            notifications: list[Notification] = []
            for plan_id, recipients in _recipients(list(due_on)).items():
                plan = plans[plan_id]
                context = {"plan": plan, "due_on": format_date(due_on[plan_id], "j F Y")}
                message = render_to_string(
                    "early_help_plans/email/overdue_review_notification.txt", context
                ).strip()
                subject = render_to_string(
                    "early_help_plans/email/overdue_review_subject.txt", context
                ).strip()
                body = render_to_string("early_help_plans/email/overdue_review_body.txt", context)
                for recipient in recipients:
                    if recipient.user_id is not None:
                        notifications.append(
                            Notification(
                                user_id=recipient.user_id,
                                plan_id=plan_id,
                                kind=Notification.Kind.OVERDUE_REVIEW,
                                message=message,
                            )
                        )
                    if recipient.email:
                        emails.append(
                            (subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email])
                        )
            # Notifications are written batch by batch; only the emails wait for the commit.
            notified += len(Notification.objects.bulk_create(notifications))
        # on_commit runs once, after the claim is durable: never before, never twice.
        transaction.on_commit(lambda: _send(emails))
    return Result(flagged=len(claimed), notifications=notified, emails=len(emails))


def weekly_review_digest(*, today: datetime.date) -> DigestResult:
    """One email per lead professional listing their plans whose review is due in the next 7 days.

    Claimed per lead professional and ISO week (DigestSent), so a re-run that week sends nothing.
    """
    week_start = today - datetime.timedelta(days=today.weekday())
    horizon = today + datetime.timedelta(days=7)
    notifications: list[Notification] = []
    emails: list[Email] = []
    with transaction.atomic(durable=True):
        with connection.cursor() as cursor:
            cursor.execute(
                CLAIM_DIGESTS_SQL,
                {
                    "week_start": week_start,
                    "today": today,
                    "horizon": horizon,
                    "interval_days": REVIEW_INTERVAL.days,
                },
            )
            lead_ids = [row[0] for row in cursor.fetchall()]
        due_soon = (
            EarlyHelpPlan.objects.filter(
                status=EarlyHelpPlan.Status.ACTIVE, lead_professional_id__in=lead_ids
            )
            .select_related("lead_professional__user")
            .order_by("lead_professional_id", "pk")
        )
        by_lead: dict[int, list[tuple[EarlyHelpPlan, str]]] = defaultdict(list)
        for plan in due_soon:
            due = plan.next_review_due
            if due is not None and today <= due < horizon and plan.lead_professional_id:
                by_lead[plan.lead_professional_id].append((plan, format_date(due, "j F Y")))
        for plans in by_lead.values():
            lead = plans[0][0].lead_professional
            if lead is None:  # filtered on lead_professional_id above; for the type checker
                continue
            user = lead.user if lead.user and lead.user.is_active else None
            address = (user.email if user else "") or lead.email
            context = {"plans": plans, "week_start": format_date(week_start, "j F Y")}
            if user is not None:
                notifications += [
                    Notification(
                        user_id=user.pk,
                        plan_id=plan.pk,
                        kind=Notification.Kind.REVIEW_DUE_SOON,
                        message=f"The review of the Family Early Help Plan for {plan.family_name} "
                        f"is due on {due_on}.",
                    )
                    for plan, due_on in plans
                ]
            if address:
                subject = render_to_string(
                    "early_help_plans/email/review_digest_subject.txt", context
                ).strip()
                body = render_to_string("early_help_plans/email/review_digest_body.txt", context)
                emails.append((subject, body, settings.DEFAULT_FROM_EMAIL, [address]))
        Notification.objects.bulk_create(notifications, batch_size=BATCH)
        transaction.on_commit(lambda: _send(emails))
    return DigestResult(digests=len(lead_ids), notifications=len(notifications), emails=len(emails))


def _recipients(plan_ids: list[int]) -> dict[int, list[Recipient]]:
    """Each plan's lead professional and the link co-ordinators of its children's schools.

    Two queries per batch, whatever its size; one recipient per person per plan (a lead
    professional who is also a link co-ordinator, or siblings at one school, count once).
    """
    found: dict[int, dict[tuple[int | None, str], Recipient]] = defaultdict(dict)
    leads = EarlyHelpPlan.objects.filter(pk__in=plan_ids).values_list(
        "pk",
        "lead_professional__user_id",
        "lead_professional__user__email",
        "lead_professional__user__is_active",
        "lead_professional__email",
    )
    for plan_id, user_id, user_email, user_active, lead_email in leads:
        if user_id is not None and user_active:
            _add(found[plan_id], Recipient(user_id=user_id, email=user_email or lead_email or ""))
        elif user_id is None and lead_email:
            _add(found[plan_id], Recipient(user_id=None, email=lead_email))
    link_coordinators = (
        PlanChild.objects.filter(
            plan_id__in=plan_ids,
            pupil__current_school__link_assignments__user__is_active=True,
        )
        .values_list(
            "plan_id",
            "pupil__current_school__link_assignments__user_id",
            "pupil__current_school__link_assignments__user__email",
        )
        .distinct()
    )
    for plan_id, user_id, email in link_coordinators:
        _add(found[plan_id], Recipient(user_id=user_id, email=email or ""))
    return {plan_id: list(people.values()) for plan_id, people in found.items()}


def _add(people: dict[tuple[int | None, str], Recipient], recipient: Recipient) -> None:
    # A user is one recipient whatever their email; an external lead is keyed by address.
    key = (recipient.user_id, "") if recipient.user_id is not None else (None, recipient.email)
    people.setdefault(key, recipient)


def _batches(items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _send(emails: Iterable[Email]) -> None:
    messages = list(emails)
    if messages:
        send_mass_mail(messages, fail_silently=False, connection=get_connection())
