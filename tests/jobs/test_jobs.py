"""A job someone waits on (an export, an import): its progress and result are in the database,
its page shows them to its owner only, and a failure says so plainly."""

import pytest
from django.urls import reverse

from jobs.models import Job
from jobs.services import JobRun, job_start
from jobs.testing import durable_tasks, run_queued
from tests.factories import SchoolAdminFactory, TeacherFactory

from .sample_tasks import count_to

pytestmark = pytest.mark.django_db


@durable_tasks()
def test_the_owner_follows_a_job_to_its_file(client):
    owner = SchoolAdminFactory()
    job = job_start(owner=owner, kind="test", title="Đếm đến 5", task=count_to, upto=5)
    client.force_login(owner)
    url = reverse("jobs:job", args=[job.pk])
    waiting = client.get(url, HTTP_ACCEPT="application/json").json()
    assert (waiting["status"], waiting["percent"]) == ("queued", 0)
    assert "job-progress.js" in client.get(url).content.decode()
    run_queued()
    state = client.get(url, HTTP_ACCEPT="application/json").json()
    assert (state["status"], state["done"], state["total"], state["percent"]) == ("done", 5, 5, 100)
    page = client.get(url).content.decode()
    assert reverse("jobs:job_download", args=[job.pk]) in page
    download = client.get(reverse("jobs:job_download", args=[job.pk]))
    assert download.content == b"0\n1\n2\n3\n4"
    assert "dem.txt" in download["Content-Disposition"]


@durable_tasks()
def test_a_job_is_its_owners_alone(client):
    job = job_start(owner=SchoolAdminFactory(), kind="test", title="x", task=count_to, upto=2)
    run_queued()
    client.force_login(TeacherFactory())
    assert client.get(reverse("jobs:job", args=[job.pk])).status_code == 404
    assert client.get(reverse("jobs:job_download", args=[job.pk])).status_code == 404


@durable_tasks()
def test_refused_input_and_a_crash_both_end_the_job_with_a_plain_message(client):
    owner = SchoolAdminFactory()
    refused = job_start(owner=owner, kind="test", title="x", task=count_to, upto=-1)
    crashed = job_start(owner=owner, kind="test", title="y", task=count_to, upto=13)
    run_queued()
    refused.refresh_from_db()
    crashed.refresh_from_db()
    assert (refused.status, refused.message) == (Job.Status.FAILED, "Số phải từ 0 trở lên.")
    assert crashed.status == Job.Status.FAILED
    assert "unlucky" not in crashed.message and crashed.message
    client.force_login(owner)
    page = client.get(reverse("jobs:job", args=[crashed.pk])).content.decode()
    assert crashed.message in page
    assert client.get(reverse("jobs:job_download", args=[crashed.pk])).status_code == 404


def test_a_job_shows_its_stage_then_a_message_and_a_link_to_its_result(client):
    owner = SchoolAdminFactory()
    job = Job.objects.create(owner=owner, kind="test", title="Nhập gói")
    run = JobRun(job)
    client.force_login(owner)
    url = reverse("jobs:job", args=[job.pk])
    run.progress(1, 4, stage="Đang chép tệp: 1/4")
    state = client.get(url, HTTP_ACCEPT="application/json").json()
    assert (state["percent"], state["stage"]) == (25, "Đang chép tệp: 1/4")
    assert "Đang chép tệp: 1/4" in client.get(url).content.decode()
    run.finish(message="“Thủ đô” đã sẵn sàng.", url="/admin/h5p/#h5p-1")
    state = client.get(url, HTTP_ACCEPT="application/json").json()
    assert (state["status"], state["stage"], state["result_url"]) == (
        "done",
        "",
        "/admin/h5p/#h5p-1",
    )
    page = client.get(url).content.decode()
    assert "“Thủ đô” đã sẵn sàng." in page and 'href="/admin/h5p/#h5p-1"' in page
    assert reverse("jobs:job_download", args=[job.pk]) not in page  # no file to offer
