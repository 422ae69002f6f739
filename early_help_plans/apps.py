from django.apps import AppConfig


class EarlyHelpPlansConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "early_help_plans"
