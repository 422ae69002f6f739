"""Who may do what. Deny by default: a permission not granted here is refused.

Predicates answer "does this user hold the role"; *which* records they may touch is the job of
each model's `visible_to(user)` query, so views first fetch through it (out of scope: 404) and then
ask for the permission (in scope but not allowed: 403).
"""

import rules

from accounts.models import User


@rules.predicate
def is_administrator(user: User) -> bool:
    return bool(user.is_active and user.is_administrator)


@rules.predicate
def is_manager(user: User) -> bool:
    return bool(user.is_active and user.is_manager)


@rules.predicate
def is_link_coordinator(user: User) -> bool:
    return bool(user.is_active and user.is_link_coordinator)


@rules.predicate
def is_pastoral_lead(user: User) -> bool:
    return bool(user.is_active and user.is_pastoral_lead)


@rules.predicate
def is_early_help_worker(user: User) -> bool:
    return bool(user.is_active and user.is_early_help_worker)


has_any_role = (
    is_administrator | is_manager | is_link_coordinator | is_pastoral_lead | is_early_help_worker
)

rules.add_perm("accounts.manage_users", is_administrator)
rules.add_perm("accounts.use_service", has_any_role)
