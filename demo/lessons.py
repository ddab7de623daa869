"""Demo lessons for `seed_demo`: a few real-feeling Vietnamese lessons in the shared library and
at the demo school, assigned to the demo class. Idempotent: courses and lessons are found by
slug (`course_ensure`, `lesson_ensure`, also used by demo/h5p.py)."""

import io
from datetime import timedelta

from django.core.files.images import ImageFile
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.images import get_image_model
from wagtail.models import Collection
from wagtail.rich_text import RichText

from accounts.models import User
from classrooms.models import Classroom, School, Subject
from courses import services
from courses.models import CoursePage, LessonAssignment, LessonPage

from . import org

GRAPH_TITLE = "Đồ thị hai đường thẳng cắt nhau"


def _graph_image(collection: Collection):
    """A small PNG of two lines meeting at (2; 1), drawn with Pillow (Wagtail's dependency)."""
    Image = get_image_model()
    existing = Image.objects.filter(title=GRAPH_TITLE).first()
    if existing:
        return existing

    size, scale = 480, 40
    canvas = PILImage.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(canvas)
    origin = size // 2

    def point(x, y):
        return origin + x * scale, origin - y * scale

    for i in range(-6, 7):
        draw.line([point(i, -6), point(i, 6)], fill="#e5e7eb")
        draw.line([point(-6, i), point(6, i)], fill="#e5e7eb")
    draw.line([point(-6, 0), point(6, 0)], fill="#111827", width=2)
    draw.line([point(0, -6), point(0, 6)], fill="#111827", width=2)
    draw.line([point(-3, 6), point(5.5, -2.5)], fill="#1d4ed8", width=3)  # x + y = 3
    draw.line([point(-2.5, -6), point(6, 2.5)], fill="#b91c1c", width=3)  # x - y = 1
    x, y = point(2, 1)
    draw.ellipse([x - 6, y - 6, x + 6, y + 6], fill="#166534")
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG", optimize=True)
    image = Image(title=GRAPH_TITLE, collection=collection)
    image.file = ImageFile(io.BytesIO(buffer.getvalue()), name="do-thi-he-phuong-trinh.png")
    image.save()
    return image


def course_ensure(parent, subject: Subject, grade: int, owner=None) -> CoursePage:
    title = f"{subject.name} {grade}"
    slug = services.vietnamese_slug(title)
    course = CoursePage.objects.child_of(parent).filter(slug=slug).first()
    if course is None:
        course = parent.add_child(
            instance=CoursePage(title=title, slug=slug, subject=subject, grade=grade, owner=owner)
        )
    return course


def lesson_ensure(course, title: str, summary: str, minutes: int, body: list, owner) -> LessonPage:
    slug = services.vietnamese_slug(title)
    lesson = LessonPage.objects.child_of(course).filter(slug=slug).first()
    if lesson:
        return lesson
    lesson = course.add_child(
        instance=LessonPage(
            title=title,
            slug=slug,
            summary=summary,
            duration_minutes=minutes,
            owner=owner,
            body=body,
        )
    )
    lesson.save_revision(user=owner).publish()
    return lesson


def _text(html: str):
    return ("text", RichText(html))


def _heading(text: str):
    return ("heading", {"text": text, "level": "h2"})


def _callout(kind: str, title: str, html: str):
    return ("callout", {"kind": kind, "title": title, "body": RichText(html)})


def seed_lessons(write) -> None:
    library = services.library_index_ensure()
    school = School.objects.get(code=org.DEMO_SCHOOL_CODE)
    school_index = services.school_index_ensure(school)
    teacher = User.objects.get(username=org.DEMO_TEACHER.username)
    officer = User.objects.get(username=org.DEMO_PROVINCE_OFFICER.username)
    subjects = Subject.objects.in_bulk(["TOAN", "NGUVAN", "VATLI"], field_name="code")
    graph = _graph_image(Collection.objects.get(name=services.LIBRARY_COLLECTION))

    toan9_lib = course_ensure(library, subjects["TOAN"], 9, officer)
    system = lesson_ensure(
        toan9_lib,
        "Hệ hai phương trình bậc nhất hai ẩn",
        "Khái niệm hệ hai phương trình bậc nhất hai ẩn, nghiệm của hệ và minh hoạ hình học.",
        40,
        [
            _heading("1. Khái niệm"),
            _text(
                "<p>Hệ hai phương trình bậc nhất hai ẩn có dạng "
                "$\\begin{cases} ax + by = c \\\\ a'x + b'y = c' \\end{cases}$, "
                "trong đó $a, b, c, a', b', c'$ là các số thực.</p>"
                "<p>Cặp số $(x_0; y_0)$ là <b>nghiệm của hệ</b> nếu nó là nghiệm chung của cả "
                "hai phương trình.</p>"
            ),
            ("math", "\\begin{cases} x + y = 3 \\\\ x - y = 1 \\end{cases} \\iff (x; y) = (2; 1)"),
            _heading("2. Minh hoạ hình học"),
            (
                "image",
                {
                    "image": graph,
                    "alt": "Hai đường thẳng x + y = 3 và x − y = 1 cắt nhau tại điểm (2; 1)",
                    "caption": "Nghiệm của hệ là giao điểm của hai đường thẳng.",
                },
            ),
            _callout(
                "exercise",
                "Bài tập 1",
                "<p>Kiểm tra xem cặp số $(1; 2)$ có phải là nghiệm của hệ "
                "$\\begin{cases} 2x + y = 4 \\\\ x + 3y = 7 \\end{cases}$ không.</p>",
            ),
        ],
        officer,
    )
    lesson_ensure(
        toan9_lib,
        "Giải hệ phương trình bằng phương pháp thế",
        "Rút một ẩn từ một phương trình rồi thế vào phương trình còn lại.",
        45,
        [
            _heading("Quy tắc thế"),
            _text(
                "<ol><li>Từ một phương trình, biểu diễn một ẩn theo ẩn kia, ví dụ $y = 3 - x$."
                "</li><li>Thế vào phương trình còn lại để được phương trình một ẩn.</li>"
                "<li>Giải phương trình một ẩn rồi suy ra ẩn còn lại.</li></ol>"
            ),
            _callout(
                "example",
                "Ví dụ",
                "<p>$x - (3 - x) = 1 \\Rightarrow 2x = 4 \\Rightarrow x = 2$, suy ra $y = 1$.</p>",
            ),
        ],
        officer,
    )
    vatli10 = course_ensure(library, subjects["VATLI"], 10, officer)
    lesson_ensure(
        vatli10,
        "Chuyển động thẳng biến đổi đều",
        "Gia tốc, vận tốc và quãng đường trong chuyển động thẳng biến đổi đều.",
        45,
        [
            _heading("Gia tốc"),
            _text(
                "<p>Gia tốc cho biết vận tốc biến thiên nhanh hay chậm: $a = \\dfrac{\\Delta v}"
                "{\\Delta t}$ (đơn vị m/s²).</p>"
            ),
            ("math", "v = v_0 + at \\qquad s = v_0 t + \\tfrac{1}{2} a t^2"),
            _callout("note", "Ghi nhớ", "<p>Chuyển động nhanh dần đều: $a$ cùng dấu với $v$.</p>"),
        ],
        officer,
    )

    toan9 = course_ensure(school_index, subjects["TOAN"], 9, teacher)
    practice = lesson_ensure(
        toan9,
        "Luyện tập: hệ hai phương trình bậc nhất hai ẩn",
        "Bài tập củng cố cho lớp 9A trong tuần học trực tuyến.",
        30,
        [
            _heading("Bài 1"),
            _text(
                "<p>Giải hệ phương trình $\\begin{cases} 3x - y = 5 \\\\ 5x + 2y = 23 "
                "\\end{cases}$ bằng phương pháp thế.</p>"
            ),
            _heading("Bài 2"),
            _callout(
                "exercise",
                "Bài toán thực tế",
                "<p>Một mảnh vườn hình chữ nhật có chu vi "
                "34 m. Nếu tăng chiều dài 3 m và chiều rộng 2 m thì diện tích tăng 45 m². "
                "Tính chiều dài và chiều rộng của mảnh vườn.</p>",
            ),
        ],
        teacher,
    )
    van9 = course_ensure(school_index, subjects["NGUVAN"], 9, teacher)
    kieu = lesson_ensure(
        van9,
        "Cảnh ngày xuân (trích Truyện Kiều)",
        "Đọc hiểu đoạn trích Cảnh ngày xuân của Nguyễn Du.",
        45,
        [
            _heading("Đọc văn bản"),
            _text(
                "<p><i>Ngày xuân con én đưa thoi,<br>Thiều quang chín chục đã ngoài sáu mươi.<br>"
                "Cỏ non xanh tận chân trời,<br>Cành lê trắng điểm một vài bông hoa.</i></p>"
            ),
            _callout(
                "exercise",
                "Câu hỏi",
                "<p>Bốn câu thơ đầu gợi tả cảnh mùa xuân bằng những "
                "hình ảnh nào? Nhận xét về màu sắc của bức tranh xuân.</p>",
            ),
        ],
        teacher,
    )

    classroom = Classroom.objects.get(
        school=school, name=org.DEMO_CLASS_NAME, year__is_current=True
    )
    now = timezone.now()
    for lesson, due in (
        (system, now + timedelta(days=2)),
        (practice, now + timedelta(days=4)),
        (kieu, now - timedelta(days=1)),
    ):
        if not LessonAssignment.objects.filter(lesson=lesson, classroom=classroom).exists():
            services.lesson_assign(lesson=lesson, classrooms=[classroom], by=teacher, due_at=due)
    write(
        f"  Bài học: {LessonPage.objects.count()} bài, "
        f"{LessonAssignment.objects.count()} lượt giao bài."
    )
