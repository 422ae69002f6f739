from django.urls import URLPattern

from reports import urls_targeting

app_name = "reports"

# The pages of this app arrive with its issue; its place in the URL map is fixed now.
urlpatterns: list[URLPattern] = []
urlpatterns += urls_targeting.urlpatterns
