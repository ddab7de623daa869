"""Shapes of the coverage API's responses (docs/api.md). The figures come from
coverage.selectors as dicts; these serializers only pick and type the fields, so the OpenAPI
schema describes exactly what is sent."""

from rest_framework import serializers


class FiltersSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    level = serializers.CharField(allow_null=True)
    grade = serializers.IntegerField(allow_null=True)
    closures_only = serializers.BooleanField()


class FiguresSerializer(serializers.Serializer):
    """The figures of one scope over the period (class-days, sessions, attendances)."""

    class_days = serializers.IntegerField(help_text="Class-days selected (closed only by default).")
    classes = serializers.IntegerField(help_text="Distinct classes among them.")
    closed_class_days = serializers.IntegerField()
    taught_class_days = serializers.IntegerField()
    taught_closed_class_days = serializers.IntegerField()
    coverage_pct = serializers.FloatField(
        allow_null=True, help_text="Taught closed class-days / closed class-days, in %."
    )
    taught_pct = serializers.FloatField(allow_null=True)
    sessions_scheduled = serializers.IntegerField()
    sessions_held = serializers.IntegerField()
    attendances = serializers.IntegerField(help_text="Records present or late, held sessions.")
    expected_attendances = serializers.IntegerField(help_text="Enrolled students × held sessions.")
    participation_pct = serializers.FloatField(allow_null=True)
    closed_student_days = serializers.IntegerField(
        help_text="Enrolled students added up over the closed class-days (student-days)."
    )
    async_learners = serializers.IntegerField(
        help_text="Of those student-days, the ones on which the student learned asynchronously "
        "(completed a lesson of the class or answered an H5P activity in one, that day)."
    )
    async_pct = serializers.FloatField(
        allow_null=True, help_text="async_learners / closed_student_days, in %."
    )
    students = serializers.IntegerField(help_text="Enrolled students on the last day.")
    at_risk_students = serializers.IntegerField(
        help_text="Students absent from the last N held sessions, on the last day."
    )


class TodaySerializer(serializers.Serializer):
    date = serializers.DateField()
    closed_classes = serializers.IntegerField()
    taught_closed_classes = serializers.IntegerField()
    coverage_pct = serializers.FloatField(allow_null=True)
    participation_pct = serializers.FloatField(allow_null=True)
    attendances = serializers.IntegerField()
    expected_attendances = serializers.IntegerField()
    closed_student_days = serializers.IntegerField()
    async_learners = serializers.IntegerField()
    async_pct = serializers.FloatField(allow_null=True)
    at_risk_students = serializers.IntegerField()


class SummarySerializer(FiguresSerializer):
    threshold_pct = serializers.IntegerField(help_text="Schools below this need attention.")
    today = TodaySerializer()
    filters = FiltersSerializer()
    links = serializers.DictField(child=serializers.CharField())


class DistrictRowSerializer(FiguresSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField()
    schools_url = serializers.CharField()


class SchoolRowSerializer(FiguresSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField()
    district_id = serializers.IntegerField()
    district = serializers.CharField()
    classes_url = serializers.CharField()


class ClassRowSerializer(FiguresSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    grade = serializers.IntegerField()
    level = serializers.CharField()
    homeroom_teacher = serializers.CharField()
    homeroom_phone = serializers.CharField()
    homeroom_email = serializers.CharField()
    students_url = serializers.CharField()


class ContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    relation = serializers.CharField(required=False)
    phone = serializers.CharField()
    email = serializers.CharField()


class StudentRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    sessions = serializers.IntegerField(help_text="Held sessions of the selected class-days.")
    attended = serializers.IntegerField()
    absent = serializers.IntegerField()
    excused = serializers.IntegerField()
    attendance_pct = serializers.FloatField(allow_null=True)
    consecutive_absences = serializers.IntegerField()
    at_risk = serializers.BooleanField()
    async_days = serializers.IntegerField(
        help_text="Closed class-days of the period on which the student learned asynchronously."
    )
    guardians = ContactSerializer(many=True)


class DayRowSerializer(FiguresSerializer):
    date = serializers.DateField()


class AtRiskRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    classroom_id = serializers.IntegerField()
    classroom = serializers.CharField()
    school_id = serializers.IntegerField()
    school = serializers.CharField()
    consecutive_absences = serializers.IntegerField()
    homeroom_teacher = serializers.CharField()
    homeroom_phone = serializers.CharField()
    homeroom_email = serializers.CharField()
    guardians = ContactSerializer(many=True)


class UntaughtClassSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    homeroom_teacher = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()


class AttentionRowSerializer(FiguresSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    phone = serializers.CharField(help_text="The school's phone (may be empty).")
    district_id = serializers.IntegerField()
    days = serializers.ListField(child=serializers.DateField())
    admins = ContactSerializer(many=True)
    untaught_classes = UntaughtClassSerializer(many=True)


def list_serializer(name: str, row: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """{filters, count, results: [row…]}: every list endpoint's envelope."""
    return type(
        name,
        (serializers.Serializer,),
        {
            "filters": FiltersSerializer(),
            "count": serializers.IntegerField(),
            "results": row(many=True),
        },
    )


DistrictListSerializer = list_serializer("DistrictList", DistrictRowSerializer)
SchoolListSerializer = list_serializer("SchoolList", SchoolRowSerializer)
ClassListSerializer = list_serializer("ClassList", ClassRowSerializer)
StudentListSerializer = list_serializer("StudentList", StudentRowSerializer)
DayListSerializer = list_serializer("DayList", DayRowSerializer)


class AtRiskListSerializer(serializers.Serializer):
    sessions = serializers.IntegerField(help_text="Absent from this many last held sessions.")
    count = serializers.IntegerField(help_text="All students at risk in scope (every page).")
    next = serializers.URLField(allow_null=True, help_text="The next page, or null.")
    previous = serializers.URLField(allow_null=True, help_text="The previous page, or null.")
    results = AtRiskRowSerializer(many=True)


class AttentionListSerializer(serializers.Serializer):
    threshold_pct = serializers.IntegerField()
    count = serializers.IntegerField()
    results = AttentionRowSerializer(many=True)


class TokenSerializer(serializers.Serializer):
    detail = serializers.CharField()
