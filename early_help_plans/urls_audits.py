from django.urls import URLPattern, path

from early_help_plans import views_audits

urlpatterns: list[URLPattern] = [
    path("audits/", views_audits.audit_list, name="audit-list"),
    path("audits/<int:pk>/", views_audits.audit_detail, name="audit-detail"),
    path(
        "audits/<int:pk>/plans/<int:item_pk>/grade/",
        views_audits.grade_plan,
        name="audit-grade",
    ),
]
