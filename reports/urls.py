from django.urls import URLPattern, path

from reports import urls_targeting, urls_termly, views

app_name = "reports"

urlpatterns: list[URLPattern] = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/pupils/", views.drilldown, name="drilldown"),
    path("targets/", views.targets, name="targets"),
    path("targets/edit/", views.targets_edit, name="targets-edit"),
]
urlpatterns += urls_targeting.urlpatterns
urlpatterns += urls_termly.urlpatterns
