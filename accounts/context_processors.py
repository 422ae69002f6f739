from typing import Any

from django.http import HttpRequest
from django.urls import reverse

# (label, URL name, permission): each role sees only what it may use.
NAVIGATION = (
    ("Home", "home", "accounts.use_service"),
    ("Pupils", "schools:pupil-list", "schools.view_pupils"),
    ("Schools", "schools:school-list", "schools.view_schools"),
    ("Dashboard", "reports:dashboard", "reports.view_dashboard"),
    ("Identification queue", "attendance:queue", "attendance.view_queue"),
    ("Caseload", "cases:caseload", "cases.view_caseload"),
    ("Plans", "early_help_plans:plan-list", "early_help_plans.view_plans"),
    ("Quality audits", "early_help_plans:audit-list", "early_help_plans.audit_plans"),
    ("At risk", "attendance:at-risk", "attendance.view_at_risk"),
    ("Link calls", "cases:link-call-list", "cases.view_link_calls"),
    ("Tracking meeting", "cases:meeting-list", "cases.view_meetings"),
    ("Targeting meetings", "reports:tsm-list", "reports.view_targeting_meetings"),
    ("Termly reports", "reports:termly-list", "reports.view_termly_reports"),
    ("Reduced timetables", "cases:timetable-list", "cases.view_timetables"),
    ("Imports", "attendance:import-list", "attendance.view_imports"),
    ("Notifications", "early_help_plans:notifications", "accounts.use_service"),
    ("Term dates", "schools:term-list", "schools.manage_terms"),
    ("Users", "accounts:user-list", "accounts.manage_users"),
)


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items: list[dict[str, Any]] = []
    for text, url_name, permission in NAVIGATION:
        if user.has_perm(permission):
            href = reverse(url_name)
            items.append({"text": text, "href": href, "current": False})
    # The current item is the one whose address is the longest start of the page's: on
    # /plans/audits/ that is "Quality audits", not "Plans" as well.
    matching = [
        item
        for item in items
        if (request.path == "/" if item["href"] == "/" else request.path.startswith(item["href"]))
    ]
    if matching:
        max(matching, key=lambda item: len(item["href"]))["current"] = True
    return {"navigation": items}
