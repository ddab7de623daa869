from django.urls import path

from . import views

app_name = "courses"

urlpatterns = [
    path("lessons/", views.my_lessons, name="my_lessons"),
    path("lessons/search/", views.lesson_search, name="lesson_search"),
    path("lessons/<int:pk>/complete/", views.lesson_complete, name="lesson_complete"),
    path("lessons/<int:pk>/assign/", views.lesson_assign, name="lesson_assign"),
    path("lessons/<int:pk>/copy/", views.lesson_copy, name="lesson_copy"),
    path("assignments/", views.assignment_list, name="assignment_list"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment_detail"),
    path("assignments/<int:pk>/export.xlsx", views.assignment_export, name="assignment_export"),
    path("assignments/<int:pk>/delete/", views.assignment_delete, name="assignment_delete"),
    path("schools/<int:pk>/lesson-review/", views.school_moderation, name="school_moderation"),
    path("library/editors/", views.library_editors, name="library_editors"),
]
