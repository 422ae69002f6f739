"""The dashboard's filters (a GET form) and the targets' edit form."""

from decimal import Decimal
from html import escape
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.safestring import mark_safe

from accounts.models import User
from reports.measures import BREAKDOWNS, CHARACTERISTICS, Filters
from reports.models import Target
from schools.models import School, Term


class DashboardForm(forms.Form):
    """Which term, which pupils, and how to break the figures down. Invalid choices are ignored,
    so a stale link still shows a dashboard."""

    term = forms.ModelChoiceField(queryset=Term.objects.none(), required=False, label="Term")
    phase = forms.ChoiceField(required=False, label="Phase")
    school = forms.ChoiceField(required=False, label="School")
    link_coordinator = forms.ChoiceField(required=False, label="Link co-ordinator")
    characteristic = forms.ChoiceField(required=False, label="Pupil characteristic")
    breakdown = forms.ChoiceField(required=False, label="Break down by")

    def __init__(
        self, data: Any, *, schools: QuerySet[School], terms: QuerySet[Term], **kwargs: Any
    ) -> None:
        super().__init__(data, **kwargs)
        self.fields["term"].queryset = terms  # type: ignore[attr-defined]
        self.fields["term"].empty_label = "The current term"  # type: ignore[attr-defined]
        # Plain (id, name) pairs: an LA has hundreds of schools, and model instances for each
        # would cost more than the rest of the page.
        self.fields["school"].choices = [  # type: ignore[attr-defined]
            ("", "All"),
            *((str(pk), name) for pk, name in schools.order_by("name").values_list("pk", "name")),
        ]
        self.fields["phase"].choices = [("", "All"), *School.Phase.choices]  # type: ignore[attr-defined]
        coordinators = (
            User.objects.filter(is_link_coordinator=True, link_assignments__school__in=schools)
            .distinct()
            .order_by("full_name")
            .values_list("pk", "full_name")
        )
        self.fields["link_coordinator"].choices = [  # type: ignore[attr-defined]
            ("", "All"),
            *((str(pk), name) for pk, name in coordinators),
            ("none", "No link co-ordinator"),
        ]
        self.fields["characteristic"].choices = [  # type: ignore[attr-defined]
            ("", "All pupils"),
            *((code, label) for code, (label, _) in CHARACTERISTICS.items()),
        ]
        self.fields["breakdown"].choices = [("", "Nothing"), *BREAKDOWNS.items()]  # type: ignore[attr-defined]

    def selects(self) -> list[dict[str, Any]]:
        """Each field as a select's parts, its options rendered at once: an LA has hundreds of
        schools, and rendering each through the template language (or format_html) would cost
        more than the rest of the page."""
        out = []
        for field in self:
            chosen = str(field.value() or "")
            options = "".join(
                f'<option value="{escape(str(value))}"'
                f"{' selected' if str(value) == chosen else ''}>{escape(str(label))}</option>"
                for value, label in field.field.choices  # type: ignore[attr-defined]
            )
            out.append(
                {"id": field.id_for_label, "name": field.html_name, "label": field.label,
                 "options": mark_safe(options)}  # noqa: S308 - every value is escaped above
            )  # fmt: skip
        return out

    def choices(self) -> tuple[Term | None, Filters, str]:
        """The valid choices, each invalid one dropped."""
        data: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()
            data = {name: value for name, value in self.cleaned_data.items() if value}
        school = data.get("school")
        filters = Filters(
            phase=data.get("phase", ""),
            school=int(school) if school else None,
            link_coordinator=data.get("link_coordinator", ""),
            characteristic=data.get("characteristic", ""),
        )
        return data.get("term"), filters, data.get("breakdown", "")


class TargetsForm(forms.Form):
    """Every target's baseline and figure, each with the version the page was opened at."""

    def __init__(self, data: Any = None, *, targets: list[Target], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.targets = targets
        for target in targets:
            self.fields[f"baseline_{target.pk}"] = forms.DecimalField(
                label=f"Baseline: {target.label}",
                required=False,
                max_digits=8,
                decimal_places=2,
                initial=target.baseline,
            )
            self.fields[f"target_{target.pk}"] = forms.DecimalField(
                label=f"Target: {target.label}",
                max_digits=8,
                decimal_places=2,
                initial=target.target,
                error_messages={"required": f"Enter the target for {target.label.lower()}"},
            )
            self.fields[f"version_{target.pk}"] = forms.IntegerField(
                widget=forms.HiddenInput, initial=target.version
            )

    def rows(self) -> list[tuple[Target, forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (t, self[f"baseline_{t.pk}"], self[f"target_{t.pk}"], self[f"version_{t.pk}"])
            for t in self.targets
        ]

    def changes(self) -> list[tuple[int, int, Decimal | None, Decimal]]:
        data = self.cleaned_data
        return [
            (t.pk, data[f"version_{t.pk}"], data[f"baseline_{t.pk}"], data[f"target_{t.pk}"])
            for t in self.targets
        ]
