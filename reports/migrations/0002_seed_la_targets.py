"""The LA's 2023/24 targets and their baselines, from the strategy (domain spec): data an
administrator edits afterwards. Reduced timetables' baseline counted pupils starting one in
autumn 2020; its target counts pupils on one at term end."""

from decimal import Decimal

from django.db import migrations

TARGETS = [
    # measure, phase, label, baseline, baseline label, target, lower is better
    ("overall_absence", "primary", "Overall absence, primary", "4.1", "2018/19", "3.5", True),
    ("overall_absence", "secondary", "Overall absence, secondary", "6.7", "2018/19", "5.0", True),
    ("persistent_absence", "primary", "Persistent absence, primary", "8.7", "2018/19", "6.8", True),
    ("persistent_absence", "secondary", "Persistent absence, secondary", "17.9", "2018/19", "13.5",
     True),
    ("suspensions_per_100", "primary", "Suspensions per 100 pupils, primary", "1.08", "2018/19",
     "0.6", True),
    ("suspensions_per_100", "secondary", "Suspensions per 100 pupils, secondary", "7.47",
     "2018/19", "5.5", True),
    ("rtt_on_at_end", "", "Children on reduced timetables", "125", "Autumn 2020 starters", "70",
     True),
    ("with_lead_and_plan", "", "Chronically absent children with a named lead professional and a "
     "plan", "44", "October 2021", "100", False),
]  # fmt: skip


def seed(apps, schema_editor):
    Target = apps.get_model("reports", "Target")
    for measure, phase, label, baseline, baseline_label, target, lower in TARGETS:
        Target.objects.get_or_create(
            measure=measure,
            phase=phase,
            defaults={
                "label": label,
                "baseline": Decimal(baseline),
                "baseline_label": baseline_label,
                "target": Decimal(target),
                "lower_is_better": lower,
            },
        )


def unseed(apps, schema_editor):
    Target = apps.get_model("reports", "Target")
    for measure, phase, *_ in TARGETS:
        Target.objects.filter(measure=measure, phase=phase).delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_targets_reports_targeting_meetings")]

    operations = [migrations.RunPython(seed, unseed)]
