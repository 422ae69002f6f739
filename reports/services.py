"""Writes of the reports app: administrators edit the LA's targets and baselines."""

import dataclasses
from decimal import Decimal

import pghistory
from django.db import transaction

from accounts.models import User
from reports.models import Target


class TargetRuleBroken(Exception):
    """The change was refused; the message is shown to the user."""


@dataclasses.dataclass(frozen=True)
class TargetChange:
    target_id: int
    seen_version: int
    baseline: Decimal | None
    target: Decimal


@transaction.atomic
def update_targets(*, changes: list[TargetChange], by: User) -> list[Target]:
    """Save the targets' new figures, all or none.

    Every target is locked first; if any changed since the page was opened (rule 7), nothing is
    saved and the message names what changed, so a stale page never overwrites a newer figure.
    Targets whose figures are unchanged keep their version.
    """
    with pghistory.context(user=by.pk):
        locked = {
            target.pk: target
            for target in Target.objects.select_for_update()
            .filter(pk__in=[change.target_id for change in changes])
            .order_by("pk")
        }
        stale = []
        for change in changes:
            target = locked.get(change.target_id)
            if target is None:
                stale.append("a target that no longer exists")
            elif target.version != change.seen_version:
                stale.append(target.label)
        if stale:
            raise TargetRuleBroken(
                "Someone else changed "
                + ", ".join(stale)
                + " after you opened this page. Nothing was saved: check the figures now shown "
                "and make your changes again."
            )
        saved = []
        for change in changes:
            target = locked[change.target_id]
            if target.baseline == change.baseline and target.target == change.target:
                continue
            target.baseline = change.baseline
            target.target = change.target
            target.version += 1
            target.full_clean()
            target.save(update_fields=["baseline", "target", "version"])
            saved.append(target)
        return saved
