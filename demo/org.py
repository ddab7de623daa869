"""Static data for `manage.py seed_demo`: a realistic slice of Quảng Trị province.

Only data lives here (districts, schools, subjects, the 2018 curriculum per grade, names and the
demo logins); the command in classrooms/management/commands/seed_demo.py turns it into records.
"""

import datetime
from dataclasses import dataclass

from accounts.models import Role

from .levels import Level

# The password of every demo account (the browser tests and the README rely on it).
DEMO_PASSWORD = "HocTiep@2026"  # noqa: S105 - public demo password, by design
DEMO_EMAIL_DOMAIN = "demo.hoctiep.vn"

# The ten district-level units of Quảng Trị, with their national administrative codes (GSO).
DISTRICTS = [
    ("461", "TP Đông Hà"),
    ("462", "TX Quảng Trị"),
    ("464", "Huyện Vĩnh Linh"),
    ("465", "Huyện Hướng Hóa"),
    ("466", "Huyện Gio Linh"),
    ("467", "Huyện Đakrông"),
    ("468", "Huyện Cam Lộ"),
    ("469", "Huyện Triệu Phong"),
    ("470", "Huyện Hải Lăng"),
    ("471", "Huyện Cồn Cỏ"),  # the island district
]

PROVINCE_NAME = "Quảng Trị"
DEMO_DISTRICT_CODE = "461"  # TP Đông Hà

ACADEMIC_YEAR = {
    "name": "2026-2027",
    "starts_on": datetime.date(2026, 9, 5),
    "ends_on": datetime.date(2027, 5, 31),
}
TERMS = [
    ("Học kỳ I", datetime.date(2026, 9, 5), datetime.date(2027, 1, 15)),
    ("Học kỳ II", datetime.date(2027, 1, 18), datetime.date(2027, 5, 31)),
]

TH, THCS, THPT = Level.PRIMARY, Level.LOWER_SECONDARY, Level.UPPER_SECONDARY


@dataclass(frozen=True)
class SchoolSpec:
    code: str
    name: str
    district: str  # district code
    levels: tuple[Level, ...]
    slug: str  # short ASCII name, used in usernames
    classes_per_grade: int
    class_size: tuple[int, int]  # inclusive range of students per class
    address: str


SCHOOLS = [
    SchoolSpec(
        code="THCS-NGUYENTRAI-DH",
        name="Trường THCS Nguyễn Trãi",
        district="461",
        levels=(THCS,),
        slug="nguyentrai",
        classes_per_grade=3,
        class_size=(32, 38),
        address="Phường 5, TP Đông Hà",
    ),
    SchoolSpec(
        code="THPT-DONGHA",
        name="Trường THPT Đông Hà",
        district="461",
        levels=(THPT,),
        slug="thptdongha",
        classes_per_grade=3,
        class_size=(34, 40),
        address="Phường 1, TP Đông Hà",
    ),
    SchoolSpec(
        code="TH-KIMDONG-DH",
        name="Trường TH Kim Đồng",
        district="461",
        levels=(TH,),
        slug="kimdong",
        classes_per_grade=2,
        class_size=(28, 35),
        address="Phường 3, TP Đông Hà",
    ),
    SchoolSpec(
        code="THPT-NGUYENHUE-QT",
        name="Trường THPT Nguyễn Huệ",
        district="462",
        levels=(THPT,),
        slug="nguyenhue",
        classes_per_grade=2,
        class_size=(30, 38),
        address="Phường 2, TX Quảng Trị",
    ),
    SchoolSpec(
        code="THPT-VINHLINH",
        name="Trường THPT Vĩnh Linh",
        district="464",
        levels=(THPT,),
        slug="thptvinhlinh",
        classes_per_grade=2,
        class_size=(30, 38),
        address="Thị trấn Hồ Xá, Huyện Vĩnh Linh",
    ),
    SchoolSpec(
        code="TH-HOXA-VL",
        name="Trường TH Hồ Xá",
        district="464",
        levels=(TH,),
        slug="hoxa",
        classes_per_grade=1,
        class_size=(28, 35),
        address="Thị trấn Hồ Xá, Huyện Vĩnh Linh",
    ),
    SchoolSpec(
        code="THPT-GIOLINH",
        name="Trường THPT Gio Linh",
        district="466",
        levels=(THPT,),
        slug="thptgiolinh",
        classes_per_grade=2,
        class_size=(30, 38),
        address="Thị trấn Gio Linh, Huyện Gio Linh",
    ),
    SchoolSpec(
        code="THCS-TRANHUNGDAO-CL",
        name="Trường THCS Trần Hưng Đạo",
        district="468",
        levels=(THCS,),
        slug="tranhungdao",
        classes_per_grade=1,
        class_size=(30, 38),
        address="Thị trấn Cam Lộ, Huyện Cam Lộ",
    ),
    SchoolSpec(
        code="THCS-LEDUAN-TP",
        name="Trường THCS Lê Duẩn",
        district="469",
        levels=(THCS,),
        slug="leduan",
        classes_per_grade=1,
        class_size=(30, 38),
        address="Thị trấn Ái Tử, Huyện Triệu Phong",
    ),
    SchoolSpec(
        code="THPT-HAILANG",
        name="Trường THPT Hải Lăng",
        district="470",
        levels=(THPT,),
        slug="thpthailang",
        classes_per_grade=2,
        class_size=(30, 38),
        address="Thị trấn Diên Sanh, Huyện Hải Lăng",
    ),
    SchoolSpec(
        code="THPT-HUONGHOA",
        name="Trường THPT Hướng Hóa",
        district="465",
        levels=(THPT,),
        slug="thpthuonghoa",
        classes_per_grade=2,
        class_size=(28, 36),
        address="Thị trấn Khe Sanh, Huyện Hướng Hóa",
    ),
    SchoolSpec(
        code="THTHCS-TALONG-DKR",
        name="Trường TH&THCS Tà Long",
        district="467",
        levels=(TH, THCS),
        slug="talong",
        classes_per_grade=1,
        class_size=(25, 30),
        address="Xã Tà Long, Huyện Đakrông",
    ),
]

DEMO_SCHOOL_CODE = "THCS-NGUYENTRAI-DH"
DEMO_CLASS_NAME = "9A"

# (code, name, levels). Names follow the 2018 general education curriculum (CT GDPT 2018).
SUBJECTS = [
    ("TIENGVIET", "Tiếng Việt", (TH,)),
    ("TOAN", "Toán", (TH, THCS, THPT)),
    ("DAODUC", "Đạo đức", (TH,)),
    ("TNXH", "Tự nhiên và Xã hội", (TH,)),
    ("KHOAHOC", "Khoa học", (TH,)),
    ("LSDL", "Lịch sử và Địa lí", (TH, THCS)),
    ("TIENGANH", "Tiếng Anh", (TH, THCS, THPT)),
    ("TINHOC", "Tin học", (TH, THCS, THPT)),
    ("CONGNGHE", "Công nghệ", (TH, THCS, THPT)),
    ("NGUVAN", "Ngữ văn", (THCS, THPT)),
    ("KHTN", "Khoa học tự nhiên", (THCS,)),
    ("GDCD", "Giáo dục công dân", (THCS,)),
    ("GDKTPL", "Giáo dục kinh tế và pháp luật", (THPT,)),
    ("VATLI", "Vật lí", (THPT,)),
    ("HOAHOC", "Hóa học", (THPT,)),
    ("SINHHOC", "Sinh học", (THPT,)),
    ("LICHSU", "Lịch sử", (THPT,)),
    ("DIALI", "Địa lí", (THPT,)),
    ("GDTC", "Giáo dục thể chất", (TH, THCS, THPT)),
    ("AMNHAC", "Âm nhạc", (TH, THCS, THPT)),
    ("MITHUAT", "Mĩ thuật", (TH, THCS, THPT)),
]

# Subjects that get a TeachingAssignment in every class of a grade ("the main subjects").
# In primary school the homeroom teacher teaches most of them; see PRIMARY_HOMEROOM_SUBJECTS.
# Tiếng Anh and Tin học are compulsory from grade 3; Khoa học and Lịch sử và Địa lí replace
# Tự nhiên và Xã hội in grades 4 and 5.
_TH_1_2 = ["TIENGVIET", "TOAN", "DAODUC", "TNXH", "GDTC"]
_TH_3 = ["TIENGVIET", "TOAN", "DAODUC", "TNXH", "TIENGANH", "TINHOC", "GDTC"]
_TH_4_5 = ["TIENGVIET", "TOAN", "DAODUC", "KHOAHOC", "LSDL", "TIENGANH", "TINHOC", "GDTC"]
_THCS = ["NGUVAN", "TOAN", "TIENGANH", "KHTN", "LSDL", "GDCD", "TINHOC", "CONGNGHE", "GDTC"]
_THPT = [
    "NGUVAN",
    "TOAN",
    "TIENGANH",
    "LICHSU",
    "VATLI",
    "HOAHOC",
    "SINHHOC",
    "DIALI",
    "TINHOC",
    "GDTC",
]
CURRICULUM = {
    1: _TH_1_2,
    2: _TH_1_2,
    3: _TH_3,
    4: _TH_4_5,
    5: _TH_4_5,
    6: _THCS,
    7: _THCS,
    8: _THCS,
    9: _THCS,
    10: _THPT,
    11: _THPT,
    12: _THPT,
}

# Primary school: the homeroom teacher teaches these to their own class; the rest go to
# specialist teachers shared across classes.
PRIMARY_HOMEROOM_SUBJECTS = {"TIENGVIET", "TOAN", "DAODUC", "TNXH", "KHOAHOC", "LSDL"}

# How many classes one specialist teacher takes of a subject (about 17-19 periods a week).
TEACHER_LOAD = {
    "TOAN": 4,
    "NGUVAN": 4,
    "TIENGANH": 5,
    "KHTN": 4,
    "GDTC": 10,
}
DEFAULT_TEACHER_LOAD = 8

# Share of women among teachers (about 70 % nationally).
TEACHER_FEMALE_SHARE = 0.7


def class_names(level: Level, grade: int, count: int) -> list[str]:
    """Class names as schools write them: "5A", "9B" for TH/THCS, "10A1" for THPT."""
    if level == Level.UPPER_SECONDARY:
        return [f"{grade}A{i}" for i in range(1, count + 1)]
    return [f"{grade}{letter}" for letter in "ABCDEFGH"[:count]]


# Personal names. Family names weighted roughly by frequency in central Vietnam.
FAMILY_NAMES = [
    ("Nguyễn", 30),
    ("Lê", 14),
    ("Trần", 11),
    ("Hồ", 7),
    ("Phan", 6),
    ("Võ", 6),
    ("Hoàng", 5),
    ("Phạm", 5),
    ("Đặng", 3),
    ("Bùi", 2),
    ("Đỗ", 2),
    ("Ngô", 2),
    ("Dương", 2),
    ("Trương", 2),
    ("Đinh", 1),
    ("Mai", 1),
    ("Cao", 1),
    ("Huỳnh", 1),
]
MALE_MIDDLE_NAMES = [
    "Văn",
    "Văn",
    "Văn",
    "Đức",
    "Minh",
    "Quang",
    "Hữu",
    "Công",
    "Xuân",
    "Thanh",
    "Ngọc",
    "Anh",
    "Gia",
    "Đăng",
    "Hoàng",
    "Trung",
    "Bảo",
    "Quốc",
    "Nhật",
    "Tiến",
]
FEMALE_MIDDLE_NAMES = [
    "Thị",
    "Thị",
    "Thị",
    "Ngọc",
    "Thu",
    "Thanh",
    "Khánh",
    "Minh",
    "Bảo",
    "Phương",
    "Hoài",
    "Diệu",
    "Kim",
    "Hồng",
    "Ánh",
    "Mỹ",
    "Thùy",
    "Hải",
]
MALE_GIVEN_NAMES = [
    "An",
    "Bảo",
    "Bình",
    "Cường",
    "Dũng",
    "Duy",
    "Đạt",
    "Đức",
    "Hải",
    "Hiếu",
    "Hoàng",
    "Huy",
    "Hùng",
    "Khang",
    "Khoa",
    "Khôi",
    "Kiên",
    "Lâm",
    "Long",
    "Lộc",
    "Minh",
    "Nam",
    "Nghĩa",
    "Nhân",
    "Phong",
    "Phúc",
    "Quân",
    "Quang",
    "Sơn",
    "Tài",
    "Thắng",
    "Thành",
    "Tiến",
    "Toàn",
    "Trí",
    "Trung",
    "Tuấn",
    "Việt",
    "Vinh",
    "Vũ",
]
FEMALE_GIVEN_NAMES = [
    "An",
    "Anh",
    "Châu",
    "Chi",
    "Diệp",
    "Dung",
    "Giang",
    "Hà",
    "Hân",
    "Hạnh",
    "Hiền",
    "Hoa",
    "Hương",
    "Huyền",
    "Lan",
    "Linh",
    "Loan",
    "Ly",
    "Mai",
    "My",
    "Nga",
    "Ngân",
    "Ngọc",
    "Nhi",
    "Nhung",
    "Oanh",
    "Phương",
    "Quỳnh",
    "Tâm",
    "Thảo",
    "Thư",
    "Trang",
    "Trâm",
    "Uyên",
    "Vân",
    "Vy",
    "Xuân",
    "Yến",
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    role_label: str
    full_name: str
    sees: str  # what the account sees, for the table printed at the end

    @property
    def email(self) -> str:
        return f"{self.username}@{DEMO_EMAIL_DOMAIN}"


DEMO_STUDENT = DemoLogin(
    "hocsinh",
    Role.STUDENT,
    "Học sinh",
    "Nguyễn Văn An",
    "Lớp 9A – Trường THCS Nguyễn Trãi: bài học, lớp trực tuyến, kết quả của mình",
)
DEMO_TEACHER = DemoLogin(
    "giaovien",
    Role.TEACHER,
    "Giáo viên",
    "Trần Thị Hồng Nhung",
    "Chủ nhiệm 9A; dạy Toán 9A, 9B, 9C, 8A và học sinh các lớp đó",
)
DEMO_SCHOOL_ADMIN = DemoLogin(
    "bgh",
    Role.SCHOOL_ADMIN,
    "Ban giám hiệu",
    "Lê Văn Hùng",
    "Toàn bộ Trường THCS Nguyễn Trãi (lớp, giáo viên, học sinh)",
)
DEMO_DISTRICT_OFFICER = DemoLogin(
    "phonggd",
    Role.DISTRICT_OFFICER,
    "Phòng GD&ĐT",
    "Hoàng Minh Tuấn",
    "Các trường ở TP Đông Hà; khai báo tạm dừng học trong thành phố",
)
DEMO_PROVINCE_OFFICER = DemoLogin(
    "sogd",
    Role.PROVINCE_OFFICER,
    "Sở GD&ĐT",
    "Võ Thị Thu Hà",
    "Toàn tỉnh Quảng Trị; khai báo tạm dừng học ở mọi phạm vi",
)
DEMO_GUARDIAN = DemoLogin(
    "phuhuynh",
    Role.GUARDIAN,
    "Phụ huynh",
    "Nguyễn Văn Bình",
    "Chuyên cần và kết quả của con: Nguyễn Văn An (9A)",
)
DEMO_GUARDIAN_RELATION = "Bố"
DEMO_SUPERUSER = DemoLogin(
    "quantri",
    Role.PROVINCE_OFFICER,
    "Quản trị hệ thống",
    "Phan Quốc Bảo",
    "Như Sở GD&ĐT, cộng trang quản trị Wagtail /admin/ và Django /django-admin/",
)

DEMO_LOGINS = [
    DEMO_STUDENT,
    DEMO_TEACHER,
    DEMO_SCHOOL_ADMIN,
    DEMO_DISTRICT_OFFICER,
    DEMO_PROVINCE_OFFICER,
    DEMO_GUARDIAN,
    DEMO_SUPERUSER,
]


# --- Live classes ----------------------------------------------------------------------------
# A morning timetable for every class of the demo school: four 45-minute periods, Monday to
# Friday, filled from the class's teaching assignments. seed_demo then creates the sessions of
# the current week and the weeks either side, a session giaovien can start now in 9A, and two
# sessions of 9A held in the past days with attendance (hocsinh absent from one, so phuhuynh
# has a notice).
PERIOD_TIMES = [
    datetime.time(7, 0),
    datetime.time(7, 50),
    datetime.time(8, 50),
    datetime.time(9, 40),
]
SCHOOL_DAYS = range(5)  # Monday … Friday
LESSON_MINUTES = 45
DEMO_LIVE_TITLE = "Lớp trực tuyến (demo)"
DEMO_HELD_TITLES = ("Ôn tập chương II", "Luyện đề")


def seed_live_classes(write, *, now=None) -> None:
    """Timetable, sessions and attendance for the demo school; safe to run again."""
    import random

    from django.db.models import Q
    from django.utils import timezone

    from accounts.models import User

    from .attendance import records_build
    from .models import (
        AttendanceInterval,
        Classroom,
        LiveSession,
        SessionStatus,
        TeachingAssignment,
        TimetableSlot,
    )
    from .timetable import sessions_generate

    now = now or timezone.now()
    today = timezone.localdate(now)
    zone = timezone.get_default_timezone()
    classrooms = list(
        Classroom.objects.filter(school__code=DEMO_SCHOOL_CODE, year__is_current=True)
    )
    if not classrooms:
        return
    has_slots = set(
        TimetableSlot.objects.filter(classroom__in=classrooms).values_list(
            "classroom_id", flat=True
        )
    )
    assignments = {}
    for ta in TeachingAssignment.objects.filter(classroom__in=classrooms).order_by("subject__code"):
        assignments.setdefault(ta.classroom_id, []).append(ta)
    slots = []
    for classroom in classrooms:
        lessons = assignments.get(classroom.pk)
        if classroom.pk in has_slots or not lessons:
            continue
        cells = [(day, period) for day in SCHOOL_DAYS for period in range(len(PERIOD_TIMES))]
        for index, (day, period) in enumerate(cells):
            # Shift each day so that a subject does not always fall in the same period.
            ta = lessons[(index + day) % len(lessons)]
            slots.append(
                TimetableSlot(
                    classroom=classroom,
                    weekday=day,
                    period=period + 1,
                    starts_at=PERIOD_TIMES[period],
                    duration_minutes=LESSON_MINUTES,
                    subject_id=ta.subject_id,
                    teacher_id=ta.teacher_id,
                )
            )
    TimetableSlot.objects.bulk_create(slots)
    monday = today - datetime.timedelta(days=today.weekday())
    created = sessions_generate(
        start=monday - datetime.timedelta(days=7),
        end=monday + datetime.timedelta(days=13),
        classrooms=classrooms,
    )
    write(f"  lớp trực tuyến: {len(slots)} tiết trong thời khoá biểu, {created} buổi học mới")

    demo_class = next((c for c in classrooms if c.name == DEMO_CLASS_NAME), None)
    teacher = User.objects.filter(username=DEMO_TEACHER.username).first()
    ta = TeachingAssignment.objects.filter(classroom=demo_class, teacher=teacher).first()
    if demo_class is None or ta is None:
        return

    # A session giaovien can start right away (from 30 minutes before its start).
    if (
        not LiveSession.objects.filter(
            classroom=demo_class,
            title=DEMO_LIVE_TITLE,
            ends_at__gt=now + datetime.timedelta(minutes=20),
        )
        .filter(Q(status=SessionStatus.SCHEDULED) | Q(status=SessionStatus.LIVE))
        .exists()
    ):
        start = now.replace(second=0, microsecond=0) + datetime.timedelta(minutes=10)
        LiveSession.objects.create(
            classroom=demo_class,
            subject_id=ta.subject_id,
            teacher=teacher,
            title=DEMO_LIVE_TITLE,
            starts_at=start,
            ends_at=start + datetime.timedelta(minutes=60),
            created_by=teacher,
        )

    # Two held sessions (yesterday and the day before, 14:00) with presence and records.
    students = list(
        User.objects.filter(enrollments__classroom=demo_class, enrollments__active=True).order_by(
            "username"
        )
    )
    rng = random.Random(2026)  # noqa: S311 - demo data, not security
    for days_ago, title in zip((1, 2), DEMO_HELD_TITLES, strict=True):
        day = today - datetime.timedelta(days=days_ago)
        start = datetime.datetime.combine(day, datetime.time(14, 0), tzinfo=zone)
        end = start + datetime.timedelta(minutes=LESSON_MINUTES)
        session, new = LiveSession.objects.get_or_create(
            classroom=demo_class,
            title=title,
            starts_at=start,
            defaults={
                "subject_id": ta.subject_id,
                "teacher": teacher,
                "ends_at": end,
                "status": SessionStatus.ENDED,
                "started_at": start,
                "ended_at": end,
                "created_by": teacher,
            },
        )
        if not new:
            continue
        intervals = []
        for student in students:
            is_demo = student.username == DEMO_STUDENT.username
            roll = rng.random()
            if (is_demo and days_ago == 2) or (not is_demo and roll < 0.08):
                continue  # absent
            late = 0 if is_demo or roll < 0.8 else rng.randint(11, 20)
            joined = start + datetime.timedelta(minutes=late, seconds=rng.randint(0, 50))
            left = end - datetime.timedelta(seconds=rng.randint(0, 90))
            if not is_demo and roll > 0.95:  # a weak connection: dropped for good mid-lesson
                left = joined + datetime.timedelta(minutes=rng.randint(8, 18))
            intervals.append(
                AttendanceInterval(
                    session=session,
                    student=student,
                    joined_at=joined,
                    last_seen_at=left,
                    left_at=left,
                )
            )
        AttendanceInterval.objects.bulk_create(intervals)
        records_build(session)
