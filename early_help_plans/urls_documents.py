from django.urls import URLPattern, path

from early_help_plans import views_documents as views

urlpatterns: list[URLPattern] = [
    path("<int:pk>/plan.pdf", views.plan_pdf, name="plan-pdf"),
    path("<int:pk>/reviews/<int:review_pk>.pdf", views.review_pdf, name="review-pdf"),
    path("<int:pk>/maintaining-our-family-plan.pdf", views.maintaining_pdf, name="maintaining-pdf"),
    path("<int:pk>/attachments/", views.plan_attachments, name="plan-attachments"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/download/",
        views.attachment_download,
        name="attachment-download",
    ),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/delete/",
        views.attachment_delete,
        name="attachment-delete",
    ),
]
