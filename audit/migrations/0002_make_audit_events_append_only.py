"""The audit trail is append-only in the database, not only in the code: UPDATE
and DELETE of a row raise an error, whoever issues them (ORM, raw SQL, admin).

TRUNCATE stays possible: row triggers do not fire on it. It is a database
administrator's act (and how test suites reset tables), never something the
application issues. Pruning the trail itself (a retention period for audit rows)
is deliberately not provided: it would be a reviewed migration that drops the
trigger, deletes, and creates it again."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION audit_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_auditevent_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_auditevent_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS audit_auditevent_no_update_delete ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_auditevent_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_create_audit_events")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
