-- Issue 16: the archive grows; the costs of checkpoints, lists, search, dashboards and the board must not.
--
-- 1. The head of every audit chain, kept in the transaction that appends to the chain (a statement trigger on
--    audit_events), so a checkpoint reads only the heads that moved since the last one (seq > checkpointed_seq,
--    served by a partial index) instead of a DISTINCT ON over every event. checkpoint_no names the signed file that
--    holds the chain's latest signed head, so verifying one chain reads O(1) files.
CREATE TABLE "audit_chain_heads" (
	"chain" text PRIMARY KEY NOT NULL,
	"seq" integer NOT NULL,
	"hash" text NOT NULL,
	"checkpointed_seq" integer DEFAULT 0 NOT NULL,
	"checkpoint_no" bigint
);
--> statement-breakpoint
CREATE INDEX "audit_chain_heads_moved_idx" ON "audit_chain_heads" ("chain") WHERE "seq" > "checkpointed_seq";
--> statement-breakpoint
CREATE OR REPLACE FUNCTION audit_chain_heads_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit_chain_heads AS h (chain, seq, hash)
    SELECT DISTINCT ON (chain) chain, seq, hash FROM appended ORDER BY chain, seq DESC
  ON CONFLICT (chain) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash WHERE h.seq < EXCLUDED.seq;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER audit_events_follow_heads AFTER INSERT ON audit_events
  REFERENCING NEW TABLE AS appended FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_heads_follow();
--> statement-breakpoint
INSERT INTO audit_chain_heads (chain, seq, hash)
  SELECT DISTINCT ON (chain) chain, seq, hash FROM audit_events ORDER BY chain, seq DESC;
--> statement-breakpoint
-- Every checkpoint file written, in order: a file that was recorded here but is missing from the directory is
-- reported by the verifier (each file also names the sha256 of the one before it).
CREATE TABLE "audit_checkpoint_files" (
	"no" bigint PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"files" integer NOT NULL,
	"sha256" text NOT NULL,
	"heads" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"pruned_at" timestamp with time zone
);
--> statement-breakpoint
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sanshen_app') THEN
    EXECUTE 'GRANT SELECT, INSERT, UPDATE ON audit_chain_heads, audit_checkpoint_files TO sanshen_app';
  END IF;
END $$;
--> statement-breakpoint
-- 2. Search that does not scan. A token index maintained by PostgreSQL itself (an expression GIN index, so it is
--    updated in the transaction that writes the draft or revision): every character and every pair of adjacent
--    characters of the lower-cased text. A query's tokens must all be present (GIN), then ILIKE confirms the substring.
--    Chosen over pg_trgm: a trigram index cannot serve a pattern shorter than three characters, and most Chinese words
--    (审核, 学院, 招生) are two; it also needs no extension.
-- Built from C string functions only (about 0.3 ms for 400 characters): the characters, then the pairs starting at
-- odd and at even positions. Not a single-SELECT function, so the planner never inlines it and the index expression
-- keeps matching; COST tells the planner that computing it per row (a scan) is dear. Duplicates are fine (GIN keeps
-- each key once).
CREATE FUNCTION sanshen_search_tokens(t text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $$
  SELECT array_remove(string_to_array(l, NULL)
      || string_to_array(regexp_replace(l, '(..)', E'\\1\x01', 'g'), E'\x01')
      || string_to_array(regexp_replace(substr(l, 2), '(..)', E'\\1\x01', 'g'), E'\x01'), '')
  FROM (SELECT lower(t) AS l) AS s
$$;
--> statement-breakpoint
CREATE INDEX "drafts_search_idx" ON "drafts" USING gin (sanshen_search_tokens("number" || ' ' || "title"));
--> statement-breakpoint
CREATE INDEX "revisions_search_idx" ON "revisions" USING gin (sanshen_search_tokens("body"));
--> statement-breakpoint
-- 3. Lists: newest first, keyset by (created_at, number), for every filter the desks use.
CREATE INDEX "drafts_list_idx" ON "drafts" ("created_at" DESC, "number" DESC);
--> statement-breakpoint
CREATE INDEX "drafts_status_list_idx" ON "drafts" ("status", "created_at" DESC, "number" DESC);
--> statement-breakpoint
CREATE INDEX "drafts_unit_list_idx" ON "drafts" ("unit_id", "created_at" DESC, "number" DESC);
--> statement-breakpoint
CREATE INDEX "drafts_platform_list_idx" ON "drafts" ("platform_id", "created_at" DESC, "number" DESC);
--> statement-breakpoint
CREATE INDEX "drafts_author_list_idx" ON "drafts" ("author_id", "created_at" DESC, "number" DESC);
--> statement-breakpoint
CREATE INDEX "decisions_actor_idx" ON "decisions" ("actor_id", "draft_id");
--> statement-breakpoint
-- 5. The board: open drafts per column, longest in stage first.
CREATE INDEX "drafts_board_idx" ON "drafts" ("status", "stage", "stage_entered_at", "id")
  WHERE "status" IN ('checking', 'checks_failed', 'in_review', 'approved', 'returned');
--> statement-breakpoint
-- 4. Dashboards from counts kept as things happen. Buckets are UTC hours, so the reader can group them into days or
--    months of any whole-hour time zone (TZ_REVIEW) without the database knowing it.
CREATE TABLE "dashboard_status_counts" (
	"status" text NOT NULL,
	"stage" text DEFAULT '' NOT NULL,
	"n" bigint DEFAULT 0 NOT NULL,
	PRIMARY KEY ("status", "stage")
);
--> statement-breakpoint
CREATE TABLE "dashboard_hourly" (
	"hour" timestamp with time zone NOT NULL,
	"kind" text NOT NULL,
	"key" text NOT NULL,
	"n" bigint DEFAULT 0 NOT NULL,
	PRIMARY KEY ("kind", "hour", "key")
);
--> statement-breakpoint
-- How long each review decision waited since the draft's previous trail event (stage entry, a waiver, an edit).
CREATE TABLE "dashboard_review_waits" (
	"at" timestamp with time zone NOT NULL,
	"stage" text NOT NULL,
	"seconds" double precision NOT NULL
);
--> statement-breakpoint
CREATE INDEX "dashboard_review_waits_at_idx" ON "dashboard_review_waits" ("at");
--> statement-breakpoint
CREATE INDEX "drafts_platform_released_idx" ON "drafts" ("platform_id", "released_at") WHERE "released_at" IS NOT NULL;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION dashboard_follow_drafts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE dashboard_status_counts SET n = n - 1 WHERE status = OLD.status AND stage = coalesce(OLD.stage, '');
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO dashboard_status_counts AS c (status, stage, n) VALUES (NEW.status, coalesce(NEW.stage, ''), 1)
    ON CONFLICT (status, stage) DO UPDATE SET n = c.n + 1;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER drafts_dashboard_insert AFTER INSERT OR DELETE ON drafts FOR EACH ROW EXECUTE FUNCTION dashboard_follow_drafts();
--> statement-breakpoint
CREATE TRIGGER drafts_dashboard_update AFTER UPDATE OF status, stage ON drafts FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.stage IS DISTINCT FROM NEW.stage) EXECUTE FUNCTION dashboard_follow_drafts();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION dashboard_follow_findings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO dashboard_hourly AS h (hour, kind, key, n)
    SELECT date_trunc('hour', created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', 'finding', category, count(*) FROM added GROUP BY 1, 3
  ON CONFLICT (kind, hour, key) DO UPDATE SET n = h.n + EXCLUDED.n;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER findings_dashboard AFTER INSERT ON findings REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION dashboard_follow_findings();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION dashboard_follow_decisions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO dashboard_hourly AS h (hour, kind, key, n)
    SELECT date_trunc('hour', created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', 'decision', actor_id::text || ' ' || action, count(*) FROM added GROUP BY 1, 3
  ON CONFLICT (kind, hour, key) DO UPDATE SET n = h.n + EXCLUDED.n;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER decisions_dashboard AFTER INSERT ON decisions REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION dashboard_follow_decisions();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION dashboard_follow_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO dashboard_hourly AS h (hour, kind, key, n)
    SELECT date_trunc('hour', a.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', 'release', d.platform_id::text, count(*)
    FROM appended a JOIN drafts d ON d.id = a.draft_id WHERE a.type = 'draft.released' GROUP BY 1, 3
  ON CONFLICT (kind, hour, key) DO UPDATE SET n = h.n + EXCLUDED.n;
  INSERT INTO dashboard_review_waits (at, stage, seconds)
    SELECT a.created_at, a.data->>'stage', extract(epoch FROM a.created_at - p.created_at)
    FROM appended a JOIN audit_events p ON p.chain = a.chain AND p.seq = a.seq - 1
    WHERE a.draft_id IS NOT NULL AND a.type LIKE 'review.%' AND a.data->>'stage' IS NOT NULL;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER audit_events_dashboard AFTER INSERT ON audit_events REFERENCING NEW TABLE AS appended FOR EACH STATEMENT EXECUTE FUNCTION dashboard_follow_audit();
--> statement-breakpoint
-- Backfill from what exists (once, at migration time).
INSERT INTO dashboard_status_counts (status, stage, n) SELECT status, coalesce(stage, ''), count(*) FROM drafts GROUP BY 1, 2;
--> statement-breakpoint
INSERT INTO dashboard_hourly (hour, kind, key, n)
  SELECT date_trunc('hour', created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', 'finding', category, count(*) FROM findings GROUP BY 1, 3;
--> statement-breakpoint
INSERT INTO dashboard_hourly (hour, kind, key, n)
  SELECT date_trunc('hour', created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', 'decision', actor_id::text || ' ' || action, count(*) FROM decisions GROUP BY 1, 3;
--> statement-breakpoint
INSERT INTO dashboard_hourly (hour, kind, key, n)
  SELECT date_trunc('hour', a.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', 'release', d.platform_id::text, count(*)
  FROM audit_events a JOIN drafts d ON d.id = a.draft_id WHERE a.type = 'draft.released' GROUP BY 1, 3;
--> statement-breakpoint
INSERT INTO dashboard_review_waits (at, stage, seconds)
  SELECT a.created_at, a.data->>'stage', extract(epoch FROM a.created_at - p.created_at)
  FROM audit_events a JOIN audit_events p ON p.chain = a.chain AND p.seq = a.seq - 1
  WHERE a.draft_id IS NOT NULL AND a.type LIKE 'review.%' AND a.data->>'stage' IS NOT NULL AND a.created_at > now() - interval '7 days';
--> statement-breakpoint
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sanshen_app') THEN
    EXECUTE 'GRANT SELECT, INSERT, UPDATE ON dashboard_status_counts, dashboard_hourly TO sanshen_app';
    EXECUTE 'GRANT SELECT, INSERT ON dashboard_review_waits TO sanshen_app';
  END IF;
END $$;
