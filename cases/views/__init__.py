"""Views of the cases app, one module per area: cases, timetables, link_calls (and meetings)."""
