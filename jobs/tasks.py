import datetime

from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

# Finished tasks kept for the status page and for inquiries ("was the e-mail sent?").
KEEP_SUCCESSFUL_DAYS = 7
KEEP_FAILED_DAYS = 30


@task()
def prune_finished() -> int:
    now = timezone.now()
    deleted, _ = (
        DBTaskResult.objects.successful()
        .filter(finished_at__lt=now - datetime.timedelta(days=KEEP_SUCCESSFUL_DAYS))
        .delete()
    )
    failed, _ = (
        DBTaskResult.objects.failed()
        .filter(finished_at__lt=now - datetime.timedelta(days=KEEP_FAILED_DAYS))
        .delete()
    )
    return deleted + failed
