"""The add-session form offers a teacher the subjects they teach in the class
(`subjects_for_teacher`), not every subject of the catalogue (issue 19)."""

import datetime

import pytest
from django.utils import timezone

from classrooms.models import LiveSession
from tests.factories import SubjectFactory, TeacherFactory, TeachingAssignmentFactory

pytestmark = pytest.mark.django_db

CATALOGUE = [
    ("toan", "Toán"), ("nguvan", "Ngữ văn"), ("tienganh", "Tiếng Anh"), ("vatli", "Vật lí"),
    ("hoahoc", "Hoá học"), ("sinhhoc", "Sinh học"), ("lichsu", "Lịch sử"), ("dialy", "Địa lí"),
]  # fmt: skip


def test_a_toan_teacher_is_offered_their_subjects_and_no_other(client):
    subjects = {code: SubjectFactory(code=code, name=name) for code, name in CATALOGUE}
    assignment = TeachingAssignmentFactory(subject=subjects["toan"])
    classroom, teacher = assignment.classroom, assignment.teacher
    url = f"/classes/{classroom.pk}/sessions/add/"
    client.force_login(teacher)
    offered = client.get(url).context["form"].fields["subject"].queryset
    assert [s.name for s in offered] == ["Toán"]
    # Their second subject there joins it, in Vietnamese order (Đ before T).
    TeachingAssignmentFactory(classroom=classroom, subject=subjects["dialy"], teacher=teacher)
    offered = client.get(url).context["form"].fields["subject"].queryset
    assert [s.name for s in offered] == ["Địa lí", "Toán"]

    # Another subject, sent by hand, is refused and nothing is created.
    start = timezone.localtime() + datetime.timedelta(days=1)
    response = client.post(
        url,
        {
            "subject": subjects["vatli"].pk,
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": 45,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["subject"]
    assert not LiveSession.objects.exists()

    # A teacher of the school who does not teach the class cannot open the form.
    client.force_login(TeacherFactory(school=classroom.school))
    assert client.get(url).status_code == 404
