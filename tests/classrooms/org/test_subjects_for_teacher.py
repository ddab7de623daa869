"""The subjects a teacher is offered when adding a session (issue 19 item 11): theirs, not
all 21; and the homeroom-teacher list in Vietnamese order."""

import pytest

from classrooms.org.forms import ClassroomForm
from classrooms.org.selectors import subjects_for_teacher
from tests.factories import (
    ClassroomFactory,
    SchoolFactory,
    SubjectFactory,
    TeacherFactory,
    TeachingAssignmentFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def subjects():
    made = {
        code: SubjectFactory(code=code, name=name, has_primary=False, has_upper_secondary=False)
        for code, name in [
            ("toan", "Toán"), ("nguvan", "Ngữ văn"), ("tienganh", "Tiếng Anh"),
            ("dialy", "Địa lí"), ("amnhac", "Âm nhạc"),
        ]
    }  # fmt: skip
    made["vatli"] = SubjectFactory(
        code="vatli", name="Vật lí", has_lower_secondary=False, has_primary=False
    )
    return made


def names(qs) -> list[str]:
    return [s.name for s in qs]


def test_a_subject_teacher_gets_the_subjects_they_teach_in_the_class(subjects):
    school = SchoolFactory()
    class_9a = ClassroomFactory(school=school, name="9A")
    toan = TeachingAssignmentFactory(classroom=class_9a, subject=subjects["toan"]).teacher
    assert names(subjects_for_teacher(user=toan, classroom=class_9a)) == ["Toán"]
    TeachingAssignmentFactory(classroom=class_9a, subject=subjects["dialy"], teacher=toan)
    # Vietnamese order: Đ after D and before T.
    assert names(subjects_for_teacher(user=toan, classroom=class_9a)) == ["Địa lí", "Toán"]
    # Another class of the school that they do not teach: nothing.
    class_9b = ClassroomFactory(school=school, name="9B")
    assert names(subjects_for_teacher(user=toan, classroom=class_9b)) == []


def test_a_homeroom_teacher_who_teaches_elsewhere_gets_their_own_subjects(subjects):
    school = SchoolFactory()
    teacher = TeacherFactory(school=school)
    class_9a = ClassroomFactory(school=school, name="9A", homeroom_teacher=teacher)
    class_9b = ClassroomFactory(school=school, name="9B", year=class_9a.year)
    TeachingAssignmentFactory(classroom=class_9b, subject=subjects["nguvan"], teacher=teacher)
    assert names(subjects_for_teacher(user=teacher, classroom=class_9a)) == ["Ngữ văn"]


def test_a_homeroom_teacher_with_no_subject_gets_the_level_subjects(subjects):
    teacher = TeacherFactory()
    class_9a = ClassroomFactory(school=teacher.school, homeroom_teacher=teacher)
    # Vật lí is taught in THPT only.
    assert names(subjects_for_teacher(user=teacher, classroom=class_9a)) == [
        "Âm nhạc", "Địa lí", "Ngữ văn", "Tiếng Anh", "Toán",
    ]  # fmt: skip


def test_the_homeroom_teacher_choices_are_in_vietnamese_order():
    school = SchoolFactory()
    for name in ("Trương Thị Mai", "Trần Văn Nam", "Đinh Lan", "Đặng Hùng", "Dương Hà"):
        TeacherFactory(school=school, full_name=name)
    form = ClassroomForm(school=school)
    assert [u.full_name for u in form.fields["homeroom_teacher"].queryset] == [
        "Dương Hà", "Đặng Hùng", "Đinh Lan", "Trần Văn Nam", "Trương Thị Mai",
    ]  # fmt: skip
