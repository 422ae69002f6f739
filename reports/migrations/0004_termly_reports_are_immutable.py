"""A stored termly report version is never changed or deleted: the database refuses it.

Regenerating makes a new version; the code already never updates one, and this makes it so
whatever writes to the table. (TRUNCATE, used only to reset demo data, fires no row trigger.)
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION reports_termlyreport_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'A termly report version cannot be changed or deleted: generate a new version'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER termly_report_is_immutable
    BEFORE UPDATE OR DELETE ON reports_termlyreport
    FOR EACH ROW EXECUTE FUNCTION reports_termlyreport_refuse_change();
"""

BACKWARD = """
DROP TRIGGER termly_report_is_immutable ON reports_termlyreport;
DROP FUNCTION reports_termlyreport_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("reports", "0003_termly_report_schedule")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
