"""The demo's H5P activity: the shared TrueFalse sample in a lesson assigned to 9A.

The .h5p file is never copied into the repository: it is read from settings.H5P_DEMO_PACKAGE
(by default ../shared/h5p/hello-truefalse.h5p next to the repository) and skipped when absent.
"""

from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from wagtail.rich_text import RichText

from accounts.models import User
from classrooms.models import Classroom, School, Subject
from courses import services
from courses.h5p.storage import PackageRejected, package_import
from courses.models import H5PPackage, LessonAssignment

from . import org
from .lessons import course_ensure, lesson_ensure

DEMO_LESSON_TITLE = "Kiểm tra nhanh: đúng hay sai?"
DEMO_PACKAGE_TITLE = "Hello World: đúng hay sai?"


def seed_h5p(write) -> None:
    path = Path(settings.H5P_DEMO_PACKAGE)
    school = School.objects.get(code=org.DEMO_SCHOOL_CODE)
    teacher = User.objects.get(username=org.DEMO_TEACHER.username)
    package = H5PPackage.objects.filter(title=DEMO_PACKAGE_TITLE, school=school).first()
    if package is None:
        if not path.is_file():
            write(f"  H5P: bỏ qua hoạt động mẫu, không thấy tệp {path}.")
            return
        try:
            with path.open("rb") as source:
                package = package_import(
                    source=source,
                    filename=path.name,
                    title=DEMO_PACKAGE_TITLE,
                    school=school,
                    uploaded_by=teacher,
                ).package
        except PackageRejected as exc:
            write(f"  H5P: gói mẫu {path.name} bị từ chối: {exc}")
            return
    course = course_ensure(
        services.school_index_ensure(school), Subject.objects.get(code="TOAN"), 9, teacher
    )
    lesson = lesson_ensure(
        course,
        DEMO_LESSON_TITLE,
        "Một câu hỏi đúng/sai tương tác để thử hoạt động H5P.",
        5,
        [
            ("heading", {"text": "Trả lời câu hỏi", "level": "h2"}),
            ("text", RichText("<p>Chọn <b>Đúng</b> hoặc <b>Sai</b>, rồi bấm <b>Kiểm tra</b>.</p>")),
            ("h5p", {"package": package}),
        ],
        teacher,
    )
    classroom = Classroom.objects.get(
        school=school, name=org.DEMO_CLASS_NAME, year__is_current=True
    )
    if not LessonAssignment.objects.filter(lesson=lesson, classroom=classroom).exists():
        services.lesson_assign(
            lesson=lesson,
            classrooms=[classroom],
            by=teacher,
            due_at=timezone.now() + timedelta(days=3),
        )
    write(f"  H5P: hoạt động “{package.title}” trong bài “{lesson.title}”.")
