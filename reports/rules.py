"""Who may do what with reports; django-rules autodiscovers this module, which imports the rest.

The dashboard shows each role the figures of its own schools (reports.selectors.dashboard_schools
and School.visible_to): managers and administrators the LA, a link co-ordinator their schools, a
pastoral lead their school. Early help workers see single cases and plans, not a school's figures.
"""

import rules

from accounts.rules import is_administrator, is_link_coordinator, is_manager, is_pastoral_lead
from reports import rules_targeting  # noqa: F401 - registers the targeting meeting permissions

rules.add_perm(
    "reports.view_dashboard",
    is_administrator | is_manager | is_link_coordinator | is_pastoral_lead,
)
rules.add_perm("reports.view_targets", is_administrator | is_manager)
rules.add_perm("reports.manage_targets", is_administrator)
# Termly reports (reports/views_termly.py): the LA's board pack and CSV for managers and
# administrators; stored packs, which name pupils, for the LA's staff who see the school.
rules.add_perm(
    "reports.view_termly_reports",
    is_administrator | is_manager | is_link_coordinator | is_pastoral_lead,
)
rules.add_perm("reports.download_la_termly_report", is_administrator | is_manager)
rules.add_perm("reports.download_termly_packs", is_administrator | is_manager | is_link_coordinator)
rules.add_perm("reports.generate_termly_report", is_manager)
