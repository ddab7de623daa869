"""The staff-only status page: queue depth, oldest waiting task, workers, failures with their
error, and a retry button for superusers."""

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from jobs.testing import durable_tasks
from tests.factories import ProvinceOfficerFactory, TeacherFactory

# The rows are the database backend's, as in production.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("durable")]


@pytest.fixture
def durable():
    with durable_tasks():
        yield


def _failed():
    return DBTaskResult.objects.create(
        task_path="coverage.tasks.rollup_incremental",
        args_kwargs={"args": [], "kwargs": {}},
        backend_name="default",
        run_after=timezone.now(),
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path="smtplib.SMTPServerDisconnected",
        traceback="Traceback ...\nsmtplib.SMTPServerDisconnected: Connection unexpectedly closed",
    )


def test_staff_see_the_queue_and_failures_but_cannot_retry(client):
    failed = _failed()
    client.force_login(ProvinceOfficerFactory(is_staff=True))
    page = client.get(reverse("jobs:status"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Connection unexpectedly closed" in html
    assert "coverage.tasks.rollup_incremental" in html
    assert reverse("jobs:retry", args=[failed.pk]) not in html
    assert client.post(reverse("jobs:retry", args=[failed.pk])).status_code == 403


def test_a_superuser_puts_a_failed_task_back_in_the_queue(client):
    failed = _failed()
    client.force_login(ProvinceOfficerFactory(is_staff=True, is_superuser=True))
    page = client.get(reverse("jobs:status"))
    assert reverse("jobs:retry", args=[failed.pk]) in page.content.decode()
    response = client.post(reverse("jobs:retry", args=[failed.pk]), follow=True)
    assert response.status_code == 200
    failed.refresh_from_db()
    assert failed.status == TaskResultStatus.READY
    assert failed.traceback == ""
    # Twice is a 404: it is no longer failed.
    assert client.post(reverse("jobs:retry", args=[failed.pk])).status_code == 404


def test_teachers_and_anonymous_users_do_not_see_it(client):
    assert client.get(reverse("jobs:status")).status_code == 302  # to sign-in
    client.force_login(TeacherFactory())
    assert client.get(reverse("jobs:status")).status_code == 403


def test_the_wagtail_admin_menu_leads_staff_to_it(client):
    client.force_login(ProvinceOfficerFactory(is_staff=True, is_superuser=True))
    assert reverse("jobs:status") in client.get("/admin/").content.decode()
