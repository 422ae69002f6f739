"""Keyset paging of pupils in name order: no COUNT(*) and no OFFSET, whatever the list's length.

A page asks for one row more than it shows to know whether there is another. The links carry the
id of the pupil at the page's edge (never a name: conventions), and the next page starts after
that pupil's (family name, given name, id).
"""

import dataclasses
from urllib.parse import urlencode

from django.db.models import Q, QuerySet, Subquery
from django.http import HttpRequest

from schools.models import Pupil

PAGE_SIZE = 50
ORDER = ("family_name", "given_name", "pk")


@dataclasses.dataclass
class KeysetPage:
    rows: list[Pupil]
    has_next: bool
    has_previous: bool
    next_url: str
    previous_url: str


def _beyond(anchor_id: int, *, forwards: bool) -> Q:
    anchor = Pupil.objects.filter(pk=anchor_id)
    family = Subquery(anchor.values("family_name")[:1])
    given = Subquery(anchor.values("given_name")[:1])
    op = "gt" if forwards else "lt"
    return (
        Q(**{f"family_name__{op}": family})
        | Q(family_name=family, **{f"given_name__{op}": given})
        | Q(family_name=family, given_name=given, **{f"pk__{op}": anchor_id})
    )


def _id(request: HttpRequest, name: str) -> int | None:
    try:
        return int(request.GET.get(name, ""))
    except ValueError:
        return None


def keyset_page(request: HttpRequest, pupils: QuerySet[Pupil], size: int = PAGE_SIZE) -> KeysetPage:
    after, before = _id(request, "after"), _id(request, "before")
    if before is not None:
        rows = list(
            pupils.filter(_beyond(before, forwards=False)).order_by(
                "-family_name", "-given_name", "-pk"
            )[: size + 1]
        )
        has_previous, has_next = len(rows) > size, True
        rows = list(reversed(rows[:size]))
    else:
        if after is not None:
            pupils = pupils.filter(_beyond(after, forwards=True))
        rows = list(pupils.order_by(*ORDER)[: size + 1])
        has_next, has_previous = len(rows) > size, after is not None
        rows = rows[:size]
    params = request.GET.copy()
    for name in ("after", "before"):
        params.pop(name, None)
    prefix = params.urlencode()

    def url(**edge: int) -> str:
        return "?" + "&".join(part for part in (prefix, urlencode(edge)) if part)

    return KeysetPage(
        rows=rows,
        has_next=has_next and bool(rows),
        has_previous=has_previous and bool(rows),
        next_url=url(after=rows[-1].pk) if rows else "",
        previous_url=url(before=rows[0].pk) if rows else "",
    )
