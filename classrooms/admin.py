from django.contrib import admin

from .models import (
    AcademicYear,
    AttendanceChange,
    AttendanceInterval,
    AttendanceRecord,
    Classroom,
    District,
    Enrollment,
    LiveSession,
    School,
    SchoolHoliday,
    Subject,
    TeachingAssignment,
    Term,
    TimetableSlot,
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


@admin.register(SchoolHoliday)
class SchoolHolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "school"]
    list_filter = ["school__district"]
    search_fields = ["name", "school__name"]
    date_hierarchy = "date"


@admin.register(TimetableSlot)
class TimetableSlotAdmin(admin.ModelAdmin):
    list_display = ["classroom", "weekday", "period", "starts_at", "subject", "teacher"]
    list_filter = ["weekday", "classroom__school__district"]
    search_fields = ["classroom__name", "classroom__school__name", "teacher__full_name"]
    raw_id_fields = ["classroom", "teacher"]


class AttendanceRecordInline(admin.TabularInline):
    model = AttendanceRecord
    extra = 0
    raw_id_fields = ["student", "changed_by"]


@admin.register(LiveSession)
class LiveSessionAdmin(admin.ModelAdmin):
    list_display = ["classroom", "subject", "teacher", "starts_at", "ends_at", "status"]
    list_filter = ["status", "classroom__school__district"]
    search_fields = ["classroom__name", "classroom__school__name", "teacher__full_name", "title"]
    raw_id_fields = ["classroom", "teacher", "slot", "created_by"]
    date_hierarchy = "starts_at"
    inlines = [AttendanceRecordInline]


@admin.register(AttendanceInterval)
class AttendanceIntervalAdmin(admin.ModelAdmin):
    list_display = ["session", "student", "joined_at", "last_seen_at", "left_at"]
    raw_id_fields = ["session", "student"]


class AttendanceChangeInline(admin.TabularInline):
    model = AttendanceChange
    extra = 0
    raw_id_fields = ["changed_by"]
    readonly_fields = ["changed_at"]


@admin.register(AttendanceRecord)
class AttendanceRecordAdmin(admin.ModelAdmin):
    list_display = ["session", "student", "status", "minutes", "source"]
    list_filter = ["status", "source"]
    search_fields = ["student__full_name", "student__username"]
    raw_id_fields = ["session", "student", "changed_by"]
    inlines = [AttendanceChangeInline]
