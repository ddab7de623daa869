from django.contrib import admin

from .models import (
    AcademicYear,
    Classroom,
    District,
    Enrollment,
    School,
    Subject,
    TeachingAssignment,
    Term,
)


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "district", "get_levels_display"]
    list_filter = ["district", "has_primary", "has_lower_secondary", "has_upper_secondary"]
    search_fields = ["name", "code"]


class TermInline(admin.TabularInline):
    model = Term
    extra = 0


@admin.register(AcademicYear)
class AcademicYearAdmin(admin.ModelAdmin):
    list_display = ["name", "starts_on", "ends_on", "is_current"]
    inlines = [TermInline]


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "get_levels_display"]
    search_fields = ["name", "code"]


class TeachingAssignmentInline(admin.TabularInline):
    model = TeachingAssignment
    extra = 0
    raw_id_fields = ["teacher"]


@admin.register(Classroom)
class ClassroomAdmin(admin.ModelAdmin):
    list_display = ["name", "school", "grade", "year", "homeroom_teacher"]
    list_filter = ["year", "grade", "school__district"]
    search_fields = ["name", "school__name"]
    raw_id_fields = ["homeroom_teacher"]
    inlines = [TeachingAssignmentInline]


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ["student", "classroom", "active"]
    list_filter = ["active", "classroom__school__district"]
    search_fields = ["student__full_name", "student__username", "classroom__name"]
    raw_id_fields = ["student", "classroom"]
