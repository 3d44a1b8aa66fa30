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
