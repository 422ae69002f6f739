"""Targeting support meetings, mounted at /reports/ in the `reports` namespace."""

from django.urls import URLPattern, path

from reports import views_targeting as views

urlpatterns: list[URLPattern] = [
    path("targeting/", views.targeting_list, name="tsm-list"),
    path(
        "targeting/schools/<int:school_pk>/terms/<int:term_pk>/",
        views.targeting_pack,
        name="tsm-pack",
    ),
    path(
        "targeting/schools/<int:school_pk>/terms/<int:term_pk>/pack.pdf",
        views.targeting_pack_pdf,
        name="tsm-pack-pdf",
    ),
    path(
        "targeting/schools/<int:school_pk>/terms/<int:term_pk>/record/",
        views.targeting_record,
        name="tsm-record",
    ),
    path("targeting/meetings/<int:pk>/", views.targeting_detail, name="tsm-detail"),
    path(
        "targeting/meetings/<int:pk>/actions/add/",
        views.targeting_action_add,
        name="tsm-action-add",
    ),
    path(
        "targeting/actions/<int:pk>/",
        views.targeting_action_update,
        name="tsm-action-update",
    ),
]
