from django.urls import include, path

from attendance_tracker import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("privacy/", views.privacy, name="privacy"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("", include("accounts.urls")),
    path("", include("schools.urls")),
    path("attendance/", include("attendance.urls")),
    path("cases/", include("cases.urls")),
    path("plans/", include("early_help_plans.urls")),
    path("reports/", include("reports.urls")),
]

handler403 = "attendance_tracker.errors.forbidden"
handler404 = "attendance_tracker.errors.not_found"
handler500 = "attendance_tracker.errors.server_error"
