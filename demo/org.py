"""Static data for `manage.py seed_demo`: a realistic slice of Quảng Trị province.

Only data lives here (districts, schools, subjects, the 2018 curriculum per grade, names and the
demo logins); the command in demo/management/commands/seed_demo.py turns it into records.
"""

import datetime
from dataclasses import dataclass

from accounts.models import Role
from classrooms.org.levels import Level

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
