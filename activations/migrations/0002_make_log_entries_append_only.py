"""The activation log is append-only in the database, not only in the pages:
UPDATE and DELETE of a row raise an error. Corrections are new entries.

TRUNCATE stays possible: it is a database administrator's act (and how test
suites reset tables), never something the application issues."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION activations_logentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the activation log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER activations_logentry_no_update_delete
    BEFORE UPDATE OR DELETE ON activations_logentry
    FOR EACH ROW EXECUTE FUNCTION activations_logentry_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS activations_logentry_no_update_delete ON activations_logentry;
DROP FUNCTION IF EXISTS activations_logentry_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("activations", "0001_create_organisations_agreements_activations_rosters_log")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
