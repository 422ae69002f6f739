from django.urls import path

from cases.views import cases as views

urlpatterns = [
    path("caseload/", views.caseload, name="caseload"),
    path("caseload/export.csv", views.caseload_export, name="caseload-export"),
    path("caseload/reassign/", views.reassign, name="reassign"),
    path("pupils/<int:pupil_pk>/open/", views.open_case, name="case-open"),
    path("<int:pk>/", views.case_detail, name="case-detail"),
    path("<int:pk>/rag/", views.change_rag, name="case-rag"),
    path("<int:pk>/tier/", views.change_tier, name="case-tier"),
    path("<int:pk>/lead-professional/", views.change_lead, name="case-lead"),
    path("<int:pk>/contacts/add/", views.add_contact, name="case-contact"),
    path("<int:pk>/actions/add/", views.add_action, name="case-action"),
    path(
        "<int:pk>/actions/<int:action_pk>/done/",
        views.complete_action,
        name="case-action-done",
    ),
    path("<int:pk>/other-plans/add/", views.add_other_plan, name="case-other-plan"),
    path(
        "<int:pk>/other-plans/<int:plan_pk>/end/",
        views.end_other_plan,
        name="case-other-plan-end",
    ),
    path("<int:pk>/notes/add/", views.add_note, name="case-note"),
    path("<int:pk>/close/", views.close_case, name="case-close"),
    path("<int:pk>/reopen/", views.reopen_case, name="case-reopen"),
]
