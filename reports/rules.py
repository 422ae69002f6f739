"""Who may do what with reports; django-rules autodiscovers this module, which imports the rest."""

from reports import rules_targeting  # noqa: F401 - registers the targeting meeting permissions
