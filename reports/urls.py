from django.urls import URLPattern

app_name = "reports"

# The pages of this app arrive with its issue; its place in the URL map is fixed now.
urlpatterns: list[URLPattern] = []
