from django.contrib import admin

from .models import AttendanceChange, AttendanceInterval, AttendanceRecord, LiveSession


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
