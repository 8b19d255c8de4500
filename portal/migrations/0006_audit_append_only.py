"""The audit log is append-only in the database too.

PostgreSQL: a trigger refuses DELETE and any UPDATE except setting ``actor``/``customer`` to NULL
(what deleting a user or customer does). SQLite: the same UPDATE rule; DELETE stays possible there
because Django's test flush empties tables with DELETE (the model and its queryset refuse it).
"""

from django.db import migrations

GUARDED = ("created_at", "actor_name", "action", "object_type", "object_id", "summary", "details")

PG_UP = [
    f"""
CREATE OR REPLACE FUNCTION portal_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'audit events are append-only';
    END IF;
    IF NEW.id IS DISTINCT FROM OLD.id
       {" ".join(f"OR NEW.{c} IS DISTINCT FROM OLD.{c}" for c in GUARDED)}
       OR (NEW.actor_id IS DISTINCT FROM OLD.actor_id AND NEW.actor_id IS NOT NULL)
       OR (NEW.customer_id IS DISTINCT FROM OLD.customer_id AND NEW.customer_id IS NOT NULL) THEN
        RAISE EXCEPTION 'audit events are append-only';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql
""",
    """
CREATE TRIGGER portal_auditevent_append_only BEFORE UPDATE OR DELETE ON portal_auditevent
    FOR EACH ROW EXECUTE FUNCTION portal_auditevent_append_only()
""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS portal_auditevent_append_only ON portal_auditevent",
    "DROP FUNCTION IF EXISTS portal_auditevent_append_only()",
]
SQLITE_UP = f"""
CREATE TRIGGER portal_auditevent_append_only BEFORE UPDATE ON portal_auditevent
WHEN NEW.id IS NOT OLD.id
     {" ".join(f"OR NEW.{c} IS NOT OLD.{c}" for c in GUARDED)}
     OR (NEW.actor_id IS NOT OLD.actor_id AND NEW.actor_id IS NOT NULL)
     OR (NEW.customer_id IS NOT OLD.customer_id AND NEW.customer_id IS NOT NULL)
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS portal_auditevent_append_only;"


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for statement in PG_UP:
            schema_editor.execute(statement)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for statement in PG_DOWN:
            schema_editor.execute(statement)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("portal", "0005_registration_poll_token")]
    operations = [migrations.RunPython(forwards, backwards)]
