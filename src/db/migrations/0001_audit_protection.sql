-- The application connects through the role sanshen_app (SET ROLE after connect). It may append to the trail
-- and the review records but never rewrite or delete them. A trigger also refuses UPDATE/DELETE/TRUNCATE on
-- audit_events for everyone; a superuser can get around both, which is what the signed checkpoints outside
-- the database are for.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sanshen_app') THEN
    CREATE ROLE sanshen_app NOLOGIN;
  END IF;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'cannot create role sanshen_app; running without the restricted application role';
END $$;
--> statement-breakpoint
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sanshen_app') THEN
    EXECUTE 'GRANT USAGE ON SCHEMA public TO sanshen_app';
    EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON units, platforms, users, sessions, draft_counters, drafts, check_runs, idempotency_keys TO sanshen_app';
    EXECUTE 'GRANT SELECT, INSERT ON revisions, decisions, audit_events TO sanshen_app';
    EXECUTE 'GRANT SELECT, INSERT, UPDATE ON findings TO sanshen_app';
    EXECUTE 'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO sanshen_app';
    BEGIN
      EXECUTE 'GRANT sanshen_app TO CURRENT_USER';
    EXCEPTION WHEN OTHERS THEN
      RAISE NOTICE 'could not grant sanshen_app to the migrating user: %', SQLERRM;
    END;
  END IF;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
--> statement-breakpoint
CREATE TRIGGER audit_events_no_rewrite BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
