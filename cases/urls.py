from django.urls import URLPattern

from cases.urls_cases import urlpatterns as case_patterns
from cases.urls_link_calls import urlpatterns as link_call_patterns
from cases.urls_timetables import urlpatterns as timetable_patterns

app_name = "cases"

urlpatterns: list[URLPattern] = [*case_patterns, *timetable_patterns, *link_call_patterns]
