"""Who may read and record targeting support meetings; which schools is School.visible_to.

The meeting is the LA's statutory meeting with each school: the LA's officers (a link
co-ordinator for their schools, an administrator for all) prepare and record it. Managers read
every school's. A school's pastoral lead reads their own school's pack and record, to prepare
for the meeting, but the LA records it and the actions' progress.
"""

import rules

from accounts.rules import is_administrator, is_link_coordinator, is_manager, is_pastoral_lead

rules.add_perm(
    "reports.view_targeting_meetings",
    is_administrator | is_manager | is_link_coordinator | is_pastoral_lead,
)
rules.add_perm("reports.hold_targeting_meeting", is_administrator | is_link_coordinator)
