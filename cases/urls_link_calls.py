"""Link calls and the fortnightly tracking meeting, mounted at /cases/."""

from django.urls import URLPattern, path

from cases.views import link_calls, meetings

urlpatterns: list[URLPattern] = [
    path("link-calls/", link_calls.link_call_list, name="link-call-list"),
    path(
        "schools/<int:school_pk>/link-calls/add/",
        link_calls.link_call_create,
        name="link-call-create",
    ),
    path("link-calls/<int:pk>/", link_calls.link_call_detail, name="link-call-detail"),
    path("meetings/", meetings.meeting_list, name="meeting-list"),
    path("meetings/add/", meetings.meeting_create, name="meeting-create"),
    path("meetings/<int:pk>/", meetings.meeting_detail, name="meeting-detail"),
    path("meetings/<int:pk>/decision/", meetings.meeting_decision, name="meeting-decision"),
    path("meetings/<int:pk>/record.pdf", meetings.meeting_pdf, name="meeting-pdf"),
]
