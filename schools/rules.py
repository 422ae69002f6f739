import rules

from accounts.rules import (
    has_any_role,
    is_administrator,
    is_link_coordinator,
    is_manager,
    is_pastoral_lead,
)

# Managers and administrators see every school; the rest see theirs (School.visible_to).
rules.add_perm(
    "schools.view_schools", is_administrator | is_manager | is_link_coordinator | is_pastoral_lead
)
rules.add_perm("schools.manage_schools", is_administrator)
rules.add_perm("schools.manage_terms", is_administrator)
rules.add_perm("schools.view_terms", has_any_role)

rules.add_perm("schools.view_pupils", has_any_role)
rules.add_perm(
    "schools.export_pupils", is_administrator | is_manager | is_link_coordinator | is_pastoral_lead
)
# Pupils arrive with attendance imports; an administrator or a link co-ordinator (for their
# schools) may add one by hand, correct details or record a move. Managers only read.
rules.add_perm("schools.change_pupils", is_administrator | is_link_coordinator)
rules.add_perm("schools.view_pupil_history", is_administrator)
