"""The hand-computed fixture of docs/coverage.md ("Worked example"), built exactly.

Week of Monday 23/11/2026; the period is Monday 23 to Thursday 26 (4 school days), "today" is
Thursday 26/11/2026. Two districts, three schools, five classes of four students each:

    District D1 – school S1: 9A, 9B;  school S2: 6A
    District D2 – school S3: 10A, 10B

Closures: district D1 from Tuesday 24 to Thursday 26; class 10A on Thursday 26.
Sessions (08:00–08:45), statuses of students 1–4:
    9A  Mon P P P P · Tue P P L A · Wed P P A A · Thu P P P A      (all held)
    9B  Tue P P P P (held) · Wed never started · Thu ended after 5 minutes (not held)
    6A  no session; a lesson due Wednesday opened by 2 of 4 students (taught by the lesson rule)
    10A Thu went live for 45 minutes, nobody joined (not held)
    10B nothing
Learned asynchronously (all synced on Thursday afternoon, dated when done):
    9B  a review lesson with no due date and an H5P activity: HS1 answered it Wed 20:15 and
        completed the lesson Wed 20:20 (one student that day); HS4 completed it Thu 09:00;
        HS2 only opened the activity Tue ("attempted"); HS3 answered it Mon (not closed);
        9A HS1 answered it Wed (a student of another class)
    6A  the Wednesday lesson: HS1 completed it Wed 10:00, HS2 Thu 08:00
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from accounts.models import Role
from classrooms.models import AttendanceRecord, Closure, LiveSession
from courses import services as course_services
from courses.models import H5PPackage, LessonAssignment, LessonProgress, XAPIStatement
from tests.courses.conftest import add_course, add_lesson
from tests.factories import (
    ClassroomFactory,
    DistrictFactory,
    DistrictOfficerFactory,
    EnrollmentFactory,
    GuardianshipFactory,
    ProvinceOfficerFactory,
    SchoolAdminFactory,
    SchoolFactory,
    SubjectFactory,
    TeacherFactory,
)

ZONE = timezone.get_default_timezone()
MON = datetime.date(2026, 11, 23)
TUE, WED, THU = (MON + datetime.timedelta(days=i) for i in (1, 2, 3))
TODAY = THU
STATUS = {"P": "present", "L": "late", "A": "absent"}


def at(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=ZONE)


@dataclass
class Fixture:
    d1: object
    d2: object
    s1: object
    s2: object
    s3: object
    classes: dict
    students: dict
    province: object
    officer_d1: object
    officer_d2: object
    admin_s1: object


def session(classroom, day, statuses="", *, minutes=45, started=True, teacher=None):
    start = at(day, 8)
    s = LiveSession.objects.create(
        classroom=classroom, subject=SubjectFactory(), teacher=teacher,
        starts_at=start, ends_at=at(day, 8, 45),
        status="ended" if started else "scheduled",
        started_at=start if started else None,
        ended_at=start + datetime.timedelta(minutes=minutes) if started else None,
    )  # fmt: skip
    for student, code in zip(classroom.fixture_students, statuses.split(), strict=False):
        AttendanceRecord.objects.create(
            session=s, student=student, status=STATUS[code],
            first_join=None if code == "A" else start, minutes=0 if code == "A" else 40,
        )  # fmt: skip
    return s


def build() -> Fixture:
    d1, d2 = DistrictFactory(code="D1", name="D1"), DistrictFactory(code="D2", name="D2")
    s1 = SchoolFactory(district=d1, name="S1")
    s2 = SchoolFactory(district=d1, name="S2")
    s3 = SchoolFactory(district=d2, name="S3", has_lower_secondary=False, has_upper_secondary=True)
    classes = {}
    students = {}
    for school, name, grade in [
        (s1, "9A", 9), (s1, "9B", 9), (s2, "6A", 6), (s3, "10A", 10), (s3, "10B", 10),
    ]:  # fmt: skip
        teacher = TeacherFactory(school=school, phone="0905000111")
        classroom = ClassroomFactory(
            school=school, name=name, grade=grade, homeroom_teacher=teacher
        )
        classroom.teacher = teacher
        classroom.fixture_students = [
            EnrollmentFactory(classroom=classroom, student__full_name=f"{name} HS{i}").student
            for i in range(1, 5)
        ]
        classes[name] = classroom
        students[name] = classroom.fixture_students
    GuardianshipFactory(student=students["9A"][3], guardian__phone="0912345678")
    by = ProvinceOfficerFactory()
    Closure.objects.create(
        scope="district", district=d1, starts_on=TUE, ends_on=THU, reason="flood", declared_by=by
    )
    Closure.objects.create(
        scope="classroom",
        classroom=classes["10A"],
        starts_on=THU,
        ends_on=THU,
        reason="quarantine",
        declared_by=by,
    )
    a9, b9 = classes["9A"], classes["9B"]
    session(a9, MON, "P P P P", teacher=a9.teacher)
    session(a9, TUE, "P P L A", teacher=a9.teacher)
    session(a9, WED, "P P A A", teacher=a9.teacher)
    session(a9, THU, "P P P A", teacher=a9.teacher)
    session(b9, TUE, "P P P P", teacher=b9.teacher)
    session(b9, WED, started=False, teacher=b9.teacher)
    session(b9, THU, "P P P P", minutes=5, teacher=b9.teacher)
    session(classes["10A"], THU, "A A A A", teacher=classes["10A"].teacher)
    # 6A: a lesson due Wednesday 17:00, opened by students 1 and 2 on Wednesday.
    a6 = classes["6A"]
    course = add_course(course_services.school_index_ensure(s2), SubjectFactory(), grade=6)
    lesson = add_lesson(course, "Bài 1")
    LessonAssignment.objects.create(lesson=lesson, classroom=a6, due_at=at(WED, 17))
    for student, done in zip(students["6A"][:2], (at(WED, 10), at(THU, 8)), strict=True):
        LessonProgress.objects.create(
            student=student, lesson=lesson, opened_at=at(WED, 9), completed_at=done
        )
    learned_asynchronously(s1, b9, students)
    return Fixture(
        d1, d2, s1, s2, s3, classes, students, by,
        DistrictOfficerFactory(district=d1, role=Role.DISTRICT_OFFICER),
        DistrictOfficerFactory(district=d2),
        SchoolAdminFactory(school=s1, phone="0233111222"),
    )  # fmt: skip


def learned_asynchronously(school, classroom, students):
    """9B's review lesson, done on phones and synced on Thursday (see the module's text)."""
    course = add_course(course_services.school_index_ensure(school), SubjectFactory(), grade=9)
    review = add_lesson(course, "Ôn tập chương 1")
    LessonAssignment.objects.create(lesson=review, classroom=classroom)  # no due date
    package = H5PPackage.objects.create(
        title="Đúng hay sai", main_library="H5P.TrueFalse-1.6", folder="h5p/fixture", school=school
    )
    b9 = students["9B"]

    def answer(student, when, verb="answered"):
        XAPIStatement.objects.create(
            raw={}, verb=verb, user=student, package=package, lesson=review, occurred_at=when
        )

    answer(b9[0], at(WED, 20, 15))
    LessonProgress.objects.create(
        student=b9[0], lesson=review, opened_at=at(WED, 20), completed_at=at(WED, 20, 20)
    )
    LessonProgress.objects.create(
        student=b9[3], lesson=review, opened_at=at(THU, 8, 30), completed_at=at(THU, 9)
    )
    answer(b9[1], at(TUE, 9), verb="attempted")
    answer(b9[2], at(MON, 15))
    answer(students["9A"][0], at(WED, 10))


PERIOD = {"start": MON.isoformat(), "end": THU.isoformat()}
