"""Who may draw and grade quality audits of Family Early Help Plans.

An audit has no school scope, so only those who oversee every school hold it: managers and
administrators. Which plans of a sample they may open is still EarlyHelpPlan.visible_to.
Imported by early_help_plans/rules.py, which django-rules autodiscovers.
"""

import rules

from accounts.rules import is_administrator, is_manager

rules.add_perm("early_help_plans.audit_plans", is_administrator | is_manager)
