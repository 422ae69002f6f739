from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_timeline_steps"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="timelineentry",
            name="timeline_steps",
        ),
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
