-- 体裁 (issue 11): an optional genre on each draft, from the fixed catalog in src/shared/genres.ts (validated by
-- the API; no CHECK here, so the catalog can grow without a migration).
ALTER TABLE "drafts" ADD COLUMN "genre" text;
--> statement-breakpoint
-- Whitelist entries scoped to a genre: exactly one of unit_id / genre is set.
ALTER TABLE "scoped_whitelist" ALTER COLUMN "unit_id" DROP NOT NULL;
--> statement-breakpoint
ALTER TABLE "scoped_whitelist" ADD COLUMN "genre" text;
--> statement-breakpoint
ALTER TABLE "scoped_whitelist" ADD CONSTRAINT "scoped_whitelist_one_scope" CHECK (("unit_id" IS NULL) <> ("genre" IS NULL));
--> statement-breakpoint
CREATE UNIQUE INDEX "scoped_whitelist_genre_phrase_idx" ON "scoped_whitelist" ("genre", "phrase") WHERE "genre" IS NOT NULL;
--> statement-breakpoint
-- 影子规则, recorded as drafts arrive: the check worker runs every shadow term on every new revision and records
-- what it would have flagged here — never as a finding, never in the draft's status.
CREATE TABLE "shadow_hits" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"shadow_id" uuid NOT NULL REFERENCES "shadow_terms"("id"),
	"draft_id" uuid NOT NULL REFERENCES "drafts"("id"),
	"revision_id" uuid NOT NULL REFERENCES "revisions"("id"),
	"check_id" text NOT NULL,
	"severity" text NOT NULL,
	"start" integer NOT NULL,
	"end" integer NOT NULL,
	"matched" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "shadow_hits_once_idx" ON "shadow_hits" ("shadow_id", "revision_id", "start", "end");
--> statement-breakpoint
CREATE INDEX "shadow_hits_shadow_idx" ON "shadow_hits" ("shadow_id", "created_at");
--> statement-breakpoint
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sanshen_app') THEN
    EXECUTE 'GRANT SELECT, INSERT ON shadow_hits TO sanshen_app';
  END IF;
END $$;
