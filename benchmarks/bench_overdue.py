"""Overdue-job benchmark: rule 3's set-based claim over 1,000,000 active plans.

    DATABASE_NAME=attendance_tracker_bench python benchmarks/bench_overdue.py
    BENCH_OVERDUE_PLANS=100000 python benchmarks/bench_overdue.py    # a quicker run

Run by `make bench` (scripts/bench.sh). It inserts the plans with one generate_series statement
(every plan is led by one benchmark lead professional, a user, so the first run builds an in-app
notification and an email per overdue plan; no children, so no link co-ordinators), about 14% of
them overdue, then times flag_overdue_reviews(today) twice: the first run after deployment, which
claims and notifies every overdue plan, and the daily re-run, which finds nothing new. It reports
wall time and the process's peak memory (getrusage), then deletes what it wrote. Emails go to
Django's dummy backend. It refuses any database but attendance_tracker_bench.
"""

import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attendance_tracker.settings")
os.environ.setdefault("DATABASE_NAME", "attendance_tracker_bench")
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"

import django  # noqa: E402

django.setup()

import pgtrigger  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from cases.models import LeadProfessional  # noqa: E402
from early_help_plans.overdue import flag_overdue_reviews  # noqa: E402

DATABASE = "attendance_tracker_bench"
EMAIL = "bench-overdue@council.example"
FAMILY_NAME = "the Benchmark family"  # no seed uses it: clean-up finds exactly these plans
PLANS = int(os.environ.get("BENCH_OVERDUE_PLANS", "1000000"))
# History triggers are switched off while the benchmark writes and removes its own rows, so a
# million synthetic plans leave no audit events behind (the job itself writes no tracked table).
TRIGGERS = (
    "early_help_plans.EarlyHelpPlan:insert_insert",
    "early_help_plans.EarlyHelpPlan:delete_delete",
)

# Reviews spread over the last 50 days of a plan agreed long ago: a plan last reviewed 43 to 49
# days ago is overdue (7 in 50, 14%), the rest are on time.
INSERT_PLANS = """
INSERT INTO early_help_plans_earlyhelpplan (
    family_name, status, created_by_id, created_at, tier_reasons, consent_to_share,
    consent_withdrawal_reason, lead_professional_id, address, phone, email, useful_information,
    agreed_on, next_review_venue, next_review_reason, last_reviewed_on, closure_reason,
    score_changes, safeguarding_note, version
)
SELECT %(family)s, 'active', %(user)s, now(), '', true, '', %(lead)s, '', '', '', '',
       %(today)s::date - 400, '', '', %(today)s::date - (i %% 50), '', '[]', '', 1
FROM generate_series(1, %(plans)s) AS i
"""


def say(line: str) -> None:
    sys.stdout.write(f"   {line}\n")
    sys.stdout.flush()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def check_database() -> None:
    name = settings.DATABASES["default"]["NAME"]
    if name != DATABASE:
        raise SystemExit(f"bench_overdue: refusing to run in database {name!r}; use {DATABASE}.")


def ensure_lead() -> tuple[User, LeadProfessional]:
    user = User.objects.filter(email=EMAIL).first() or User.objects.create_user(
        EMAIL, full_name="Overdue benchmark"
    )
    lead, _ = LeadProfessional.objects.get_or_create(
        user=user, defaults={"name": "Overdue benchmark", "kind": LeadProfessional.Kind.OTHER}
    )
    return user, lead


def with_triggers_off(statements: list[tuple[str, dict[str, Any]]]) -> None:
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        triggers = [
            (quote(model._meta.db_table), quote(trigger.get_pgid(model)))
            for model, trigger in pgtrigger.registered(*TRIGGERS)
        ]
        for table, name in triggers:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {name}")
        for sql, params in statements:
            cursor.execute(sql, params)
        for table, name in triggers:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {name}")


def clean_up(user: User) -> None:
    plans = "SELECT id FROM early_help_plans_earlyhelpplan WHERE family_name = %(family)s"
    params: dict[str, Any] = {"family": FAMILY_NAME}
    with_triggers_off(
        [
            (f"DELETE FROM early_help_plans_notification WHERE plan_id IN ({plans})", params),  # noqa: S608
            (f"DELETE FROM early_help_plans_overduenotice WHERE plan_id IN ({plans})", params),  # noqa: S608
            ("DELETE FROM early_help_plans_earlyhelpplan WHERE family_name = %(family)s", params),
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM ANALYZE early_help_plans_earlyhelpplan, early_help_plans_overduenotice, "
            "early_help_plans_notification"
        )


def main() -> None:
    check_database()
    user, lead = ensure_lead()
    today = timezone.localdate()
    clean_up(user)
    try:
        started = time.perf_counter()
        with_triggers_off(
            [
                (
                    INSERT_PLANS,
                    {
                        "family": FAMILY_NAME,
                        "user": user.pk,
                        "lead": lead.pk,
                        "today": today,
                        "plans": PLANS,
                    },
                )
            ]
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE early_help_plans_earlyhelpplan")
        say(f"Inserted {PLANS:,} active plans in {time.perf_counter() - started:.1f} s")
        before = peak_mb()
        for label in ("first run (claims and notifies)", "re-run the same day (nothing new)"):
            started = time.perf_counter()
            result = flag_overdue_reviews(today=today)
            seconds = time.perf_counter() - started
            say(
                f"{label}: {seconds:.2f} s; flagged {result.flagged:,}, "
                f"{result.notifications:,} notifications, {result.emails:,} emails; "
                f"peak memory {peak_mb():.0f} MB (before the job {before:.0f} MB)"
            )
    finally:
        clean_up(user)


if __name__ == "__main__":
    main()
