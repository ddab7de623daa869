import django_filters
from django.utils.translation import gettext_lazy as _

from classrooms.models import District, School
from classrooms.org.levels import Level


class SchoolFilter(django_filters.FilterSet):
    """The officer's school list: by district (within their scope), level and name."""

    district = django_filters.ModelChoiceFilter(
        queryset=District.objects.none(), label=_("District"), empty_label=_("All districts")
    )
    level = django_filters.ChoiceFilter(
        choices=Level.choices, label=_("Level"), empty_label=_("All levels"), method="by_level"
    )
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Name"))

    class Meta:
        model = School
        fields = ["district", "level", "q"]

    def __init__(self, *args, districts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if districts is not None:
            self.filters["district"].queryset = districts

    def by_level(self, queryset, name, value):
        return queryset.with_level(value)
