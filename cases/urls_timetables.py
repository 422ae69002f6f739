from django.urls import URLPattern, path

from cases.views import timetables

urlpatterns: list[URLPattern] = [
    path("timetables/", timetables.timetable_list, name="timetable-list"),
    path(
        "timetables/unregistered/",
        timetables.timetable_unregistered,
        name="timetable-unregistered",
    ),
    path(
        "pupils/<int:pupil_pk>/timetables/add/",
        timetables.timetable_create,
        name="timetable-create",
    ),
    path("timetables/<int:pk>/", timetables.timetable_detail, name="timetable-detail"),
    path("timetables/<int:pk>/change/", timetables.timetable_edit, name="timetable-edit"),
    path("timetables/<int:pk>/review/", timetables.timetable_review, name="timetable-review"),
    path("timetables/<int:pk>/end/", timetables.timetable_end, name="timetable-end"),
]
