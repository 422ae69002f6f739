from django.urls import path

from early_help_plans import (
    urls_audits,
    urls_documents,
    views,
    views_notifications,
    views_reviews,
)

app_name = "early_help_plans"

urlpatterns = [
    path("", views.plan_list, name="plan-list"),
    path("notifications/", views_notifications.notifications, name="notifications"),
    path("notifications/read/", views_notifications.mark_read, name="notifications-read"),
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
    path("<int:pk>/reviews/new/", views_reviews.record_review, name="review-record"),
    path("<int:pk>/reviews/<int:review_pk>/", views_reviews.review_detail, name="review-detail"),
    path(
        "<int:pk>/maintaining-our-family-plan/",
        views_reviews.maintaining_plan,
        name="plan-maintaining",
    ),
    path(
        "<int:pk>/withdraw-consent/", views_reviews.withdraw_consent, name="plan-withdraw-consent"
    ),
    path("<int:pk>/safeguarding/", views_reviews.safeguarding, name="plan-safeguarding"),
    path("<int:pk>/reopen/", views_reviews.reopen, name="plan-reopen"),
    path(
        "<int:pk>/supporting-families/",
        views_reviews.supporting_families,
        name="plan-supporting-families",
    ),
]

# PDFs and attachments; quality audits.
urlpatterns += urls_documents.urlpatterns + urls_audits.urlpatterns
