"""The dashboard's filters (a GET form) and the targets' edit form."""

from decimal import Decimal
from html import escape
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.safestring import mark_safe

from accounts.models import User
from reports.measures import BREAKDOWNS, CHARACTERISTICS, Filters
from reports.models import Target
from schools.models import School, Term

# Past this many schools (or link co-ordinators) a list to choose from would make every page
# megabytes long (22,000 schools nationally): the school is typed as its URN instead, and the
# link co-ordinator as their email address.
DEFAULT_LONG_LIST = 300


class DashboardForm(forms.Form):
    """Which term, which pupils, and how to break the figures down. Invalid choices from a list
    are ignored, so a stale link still shows a dashboard; a URN or an email address that names
    no one is shown as an error."""

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
        self.schools = schools
        self.fields["term"].queryset = terms  # type: ignore[attr-defined]
        self.fields["term"].empty_label = "The current term"  # type: ignore[attr-defined]
        long_list = int(getattr(settings, "DASHBOARD_LONG_LIST", DEFAULT_LONG_LIST))
        self.coordinators = User.objects.filter(
            is_link_coordinator=True, link_assignments__school__in=schools
        ).distinct()
        self.long_schools = schools.count() > long_list
        self.long_coordinators = self.coordinators.count() > long_list
        if self.long_schools:
            del self.fields["school"]
            self.fields["school_urn"] = forms.CharField(
                required=False, label="School’s URN", max_length=20, strip=True
            )
        else:
            # Plain (id, name) pairs: model instances for each school would cost more than the
            # rest of the page.
            pairs = schools.order_by("name").values_list("pk", "name")
            self.fields["school"].choices = [  # type: ignore[attr-defined]
                ("", "All"),
                *((str(pk), name) for pk, name in pairs),
            ]
        self.fields["phase"].choices = [("", "All"), *School.Phase.choices]  # type: ignore[attr-defined]
        named = [] if self.long_coordinators else list(
            self.coordinators.order_by("full_name").values_list("pk", "full_name")
        )  # fmt: skip
        self.fields["link_coordinator"].choices = [  # type: ignore[attr-defined]
            ("", "All"),
            *((str(pk), name) for pk, name in named),
            ("none", "No link co-ordinator"),
        ]
        if self.long_coordinators:
            self.fields["link_coordinator_email"] = forms.CharField(
                required=False,
                label="Link co-ordinator’s email address",
                max_length=254,
                strip=True,
            )
        self.fields["characteristic"].choices = [  # type: ignore[attr-defined]
            ("", "All pupils"),
            *((code, label) for code, (label, _) in CHARACTERISTICS.items()),
        ]
        self.fields["breakdown"].choices = [("", "Nothing"), *BREAKDOWNS.items()]  # type: ignore[attr-defined]

    def clean_school_urn(self) -> int | None:
        urn = self.cleaned_data.get("school_urn", "")
        if not urn:
            return None
        found = self.schools.filter(urn=urn).values_list("pk", flat=True).first()
        if found is None:
            raise forms.ValidationError(
                f"There is no school with URN {urn} among your schools: enter a 6-digit URN, "
                "like 100001"
            )
        return int(found)

    def clean_link_coordinator_email(self) -> int | None:
        email = self.cleaned_data.get("link_coordinator_email", "")
        if not email:
            return None
        found = self.coordinators.filter(email__iexact=email).values_list("pk", flat=True).first()
        if found is None:
            raise forms.ValidationError(
                f"No link co-ordinator of your schools has the email address {email}"
            )
        return int(found)

    def typed_errors(self) -> list[tuple[str, str]]:
        """(field id, message) for each typed field the viewer must correct."""
        typed = [
            self[name] for name in ("school_urn", "link_coordinator_email") if name in self.fields
        ]
        return [(field.id_for_label, str(error)) for field in typed for error in field.errors]

    def selects(self) -> list[dict[str, Any]]:
        """Each field as a select's parts, its options rendered at once: an LA has hundreds of
        schools, and rendering each through the template language (or format_html) would cost
        more than the rest of the page. A typed field (a URN, an email address) has its value
        and any error instead."""
        out = []
        for field in self:
            if not isinstance(field.field, forms.ChoiceField):
                out.append(
                    {"id": field.id_for_label, "name": field.html_name, "label": field.label,
                     "typed": True, "value": field.value() or "",
                     "error": " ".join(str(error) for error in field.errors)}
                )  # fmt: skip
                continue
            chosen = str(field.value() or "")
            choices: Any = field.field.choices
            options = "".join(
                f'<option value="{escape(str(value))}"'
                f"{' selected' if str(value) == chosen else ''}>{escape(str(label))}</option>"
                for value, label in choices
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
        school = data.get("school") or data.get("school_urn")
        coordinator = data.get("link_coordinator_email") or data.get("link_coordinator", "")
        filters = Filters(
            phase=data.get("phase", ""),
            school=int(school) if school else None,
            link_coordinator=str(coordinator),
            characteristic=data.get("characteristic", ""),
        )
        return data.get("term"), filters, data.get("breakdown", "")

    def query(self, filters: Filters) -> dict[str, str]:
        """The parameters that choose these filters again on this form (a drill-down's link)."""
        out = {"phase": filters.phase, "characteristic": filters.characteristic}
        if filters.school:
            if self.long_schools:
                urn = School.objects.filter(pk=filters.school).values_list("urn", flat=True)
                out["school_urn"] = urn.first() or ""
            else:
                out["school"] = str(filters.school)
        if filters.link_coordinator.isdigit() and self.long_coordinators:
            email = User.objects.filter(pk=int(filters.link_coordinator)).values_list(
                "email", flat=True
            )
            out["link_coordinator_email"] = email.first() or ""
        else:
            out["link_coordinator"] = filters.link_coordinator
        return {name: value for name, value in out.items() if value}


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
