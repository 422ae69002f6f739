from django.urls import path

from early_help_plans import urls_audits, urls_documents, views

app_name = "early_help_plans"

urlpatterns = [
    path("", views.plan_list, name="plan-list"),
    path("pupils/<int:pupil_pk>/start/", views.start_plan, name="plan-start"),
    path("<int:pk>/", views.plan_detail, name="plan-detail"),
    path("<int:pk>/consent/", views.consent, name="plan-consent"),
    path("<int:pk>/lead-professional/", views.lead_professional, name="plan-lead"),
    path("<int:pk>/family/", views.family, name="plan-family"),
    path("<int:pk>/family/add/", views.add_member, name="plan-member-add"),
    path("<int:pk>/family/remove/", views.remove_member, name="plan-member-remove"),
    path("<int:pk>/agencies/", views.agencies, name="plan-agencies"),
    path("<int:pk>/aspects/", views.aspects, name="plan-aspects"),
    path("<int:pk>/aspects/score/", views.score_aspect, name="plan-score"),
    path("<int:pk>/action-plan/", views.actions, name="plan-actions"),
    path("<int:pk>/next-review/", views.next_review, name="plan-review"),
    path("<int:pk>/agree/", views.agree, name="plan-agree"),
]

# PDFs and attachments; quality audits.
urlpatterns += urls_documents.urlpatterns + urls_audits.urlpatterns
