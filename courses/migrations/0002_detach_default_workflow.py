"""Wagtail attaches its sample "Moderators approval" workflow to the root page, which would put
every school under review. Review is a per-school choice here ("Tổ chuyên môn duyệt",
courses.services.school_moderation_set), so the sample is detached from the root."""

from django.db import migrations


def detach(apps, schema_editor):
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    WorkflowPage.objects.filter(page__depth=1).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0001_lessons"),
        ("wagtailcore", "0001_initial"),
    ]

    operations = [migrations.RunPython(detach, migrations.RunPython.noop)]
