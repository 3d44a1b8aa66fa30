-- What the media analysers found in each stored file, by content hash: a revision that keeps its pictures does not
-- read them again. An analysis of an older analyser version is redone and replaced.
CREATE TABLE "media_analyses" (
	"media" text PRIMARY KEY NOT NULL,
	"analyser_version" text NOT NULL,
	"kind" text NOT NULL,
	"dhash" text,
	"result" jsonb NOT NULL,
	"analysed_ms" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "media_analyses_media_hex" CHECK ("media" ~ '^[0-9a-f]{64}$')
);
--> statement-breakpoint
CREATE INDEX "media_analyses_dhash_idx" ON "media_analyses" ("dhash") WHERE "dhash" IS NOT NULL;
--> statement-breakpoint
-- The admin-kept gallery of pictures the school holds a licence for, or that must never be used.
CREATE TABLE "media_gallery" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"list" text NOT NULL,
	"dhash" text NOT NULL,
	"media" text,
	"holder" text,
	"note" text DEFAULT '' NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "media_gallery_list" CHECK ("list" IN ('licensed', 'forbidden')),
	CONSTRAINT "media_gallery_dhash_hex" CHECK ("dhash" ~ '^[0-9a-f]{16}$')
);
--> statement-breakpoint
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sanshen_app') THEN
    EXECUTE 'GRANT SELECT, INSERT, UPDATE ON media_analyses TO sanshen_app';
    EXECUTE 'GRANT SELECT, INSERT, DELETE ON media_gallery TO sanshen_app';
  END IF;
END $$;
