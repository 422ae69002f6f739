from django.urls import path

from attendance import views

app_name = "attendance"

urlpatterns = [
    path("imports/", views.import_list, name="import-list"),
    path("imports/new/", views.import_start, name="import-start"),
    path("imports/<int:pk>/", views.import_detail, name="import-detail"),
    path("imports/<int:pk>/progress.json", views.import_progress, name="import-progress"),
    path("imports/<int:pk>/import/", views.import_confirm, name="import-confirm"),
    path("imports/<int:pk>/problems.csv", views.import_problems_csv, name="import-problems"),
    path("queue/", views.queue, name="queue"),
    path("queue/<int:pupil_pk>/dismiss/", views.dismiss, name="dismiss"),
    path("at-risk/", views.at_risk, name="at-risk"),
]
