from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Guardianship, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "full_name", "role", "school", "district", "is_active"]
    list_filter = ["role", "is_active", "is_staff", "school__district"]
    search_fields = ["username", "full_name", "email", "phone"]
    autocomplete_fields = ["school", "district"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (_("HọcTiếp"), {"fields": ["role", "full_name", "phone", "school", "district"]}),
    ]


@admin.register(Guardianship)
class GuardianshipAdmin(admin.ModelAdmin):
    list_display = ["guardian", "student", "relation"]
    search_fields = ["guardian__username", "guardian__full_name", "student__full_name"]
    raw_id_fields = ["guardian", "student"]
