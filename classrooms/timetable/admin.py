from django.contrib import admin

from .models import SchoolHoliday, TimetableSlot


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
