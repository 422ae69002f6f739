"""Termly reports, mounted at /reports/ in the `reports` namespace."""

from django.urls import URLPattern, path

from reports import views_termly as views

urlpatterns: list[URLPattern] = [
    path("termly/", views.termly_list, name="termly-list"),
    path("termly/generate/", views.termly_generate, name="termly-generate"),
    path("termly/<int:pk>/", views.report_detail, name="report-detail"),
    path("termly/<int:pk>/report.pdf", views.report_pdf, name="report-pdf"),
    path("termly/<int:pk>/figures.csv", views.report_csv, name="report-csv-download"),
    path("termly/<int:pk>/packs/<int:school_pk>.pdf", views.report_pack, name="report-pack-pdf"),
]
