"""Paging without COUNT(*): a page asks for one row more than it shows to know if there is a next.

Over millions of rows a count per page view is the slowest part of a list; users need "next" and
"previous", not a total.
"""

import dataclasses
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

PAGE_SIZE = 50


@dataclasses.dataclass
class Page:
    rows: list[Any]
    number: int
    has_next: bool
    first_index: int
    query_prefix: str

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.rows) - 1

    @property
    def next_url(self) -> str:
        return f"?{self.query_prefix}page={self.number + 1}"

    @property
    def previous_url(self) -> str:
        return f"?{self.query_prefix}page={self.number - 1}"


def paginate(request: HttpRequest, queryset: QuerySet[Any], size: int = PAGE_SIZE) -> Page:
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    offset = (number - 1) * size
    rows = list(queryset[offset : offset + size + 1])
    params = request.GET.copy()
    params.pop("page", None)
    prefix = params.urlencode()
    return Page(
        rows=rows[:size],
        number=number,
        has_next=len(rows) > size,
        first_index=offset + 1,
        query_prefix=f"{prefix}&" if prefix else "",
    )
