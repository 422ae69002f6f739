from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_cases_timetables_link_calls_meetings"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="timelineentry",
            index=models.Index(
                condition=models.Q(
                    ("kind", "stepped_up"), ("kind", "stepped_down"), _connector="OR"
                ),
                fields=["occurred_on"],
                name="timeline_steps",
            ),
        ),
    ]
