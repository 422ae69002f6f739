from django.urls import path

from schools import views

app_name = "schools"

urlpatterns = [
    path("schools/", views.school_list, name="school-list"),
    path("schools/add/", views.school_create, name="school-create"),
    path("schools/<int:pk>/", views.school_detail, name="school-detail"),
    path("schools/<int:pk>/change/", views.school_edit, name="school-edit"),
    path("schools/<int:pk>/staff/add/", views.staff_add, name="staff-add"),
    path(
        "schools/<int:pk>/staff/<int:membership_pk>/remove/",
        views.staff_remove,
        name="staff-remove",
    ),
    path("schools/<int:pk>/link-coordinators/add/", views.link_add, name="link-add"),
    path(
        "schools/<int:pk>/link-coordinators/<int:assignment_pk>/remove/",
        views.link_remove,
        name="link-remove",
    ),
    path("pupils/", views.pupil_list, name="pupil-list"),
    path("pupils/export.csv", views.pupil_export, name="pupil-export"),
    path("pupils/add/", views.pupil_create, name="pupil-create"),
    path("pupils/<int:pk>/", views.pupil_detail, name="pupil-detail"),
    path("pupils/<int:pk>/change/", views.pupil_edit, name="pupil-edit"),
    path("pupils/<int:pk>/move/", views.pupil_move, name="pupil-move"),
    path("pupils/<int:pk>/history/", views.pupil_history_view, name="pupil-history"),
    path("term-dates/", views.term_list, name="term-list"),
    path("term-dates/add/", views.academic_year_create, name="academic-year-create"),
    path("term-dates/<int:pk>/", views.academic_year_edit, name="academic-year-edit"),
]
