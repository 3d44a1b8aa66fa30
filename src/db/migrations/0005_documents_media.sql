-- Issue 9: canonical documents and media as content. Additive: revisions written before this keep their bytes,
-- hash and history (media = '[]', doc_notes = '[]').
ALTER TABLE "revisions" ADD COLUMN "media" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "revisions" ADD COLUMN "doc_notes" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
CREATE INDEX "revisions_media_idx" ON "revisions" USING gin ("media" jsonb_path_ops);--> statement-breakpoint
-- Stored media files, content-addressed by SHA-256 (bytes live behind the storage port, on disk by default).
CREATE TABLE "media" (
	"hash" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"mime" text NOT NULL,
	"bytes" integer NOT NULL,
	"width" integer,
	"height" integer,
	"duration_ms" integer,
	"created_by" uuid NOT NULL REFERENCES "users"("id"),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- Who uploaded which file (the same bytes uploaded by two editors are one file with two uploaders).
CREATE TABLE "media_uploads" (
	"hash" text NOT NULL REFERENCES "media"("hash"),
	"user_id" uuid NOT NULL REFERENCES "users"("id"),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	PRIMARY KEY ("hash", "user_id")
);
--> statement-breakpoint
-- What release handed out: the rendered bytes of the approved revision, kept so /released serves them byte for byte.
CREATE TABLE "releases" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"draft_id" uuid NOT NULL REFERENCES "drafts"("id"),
	"revision_id" uuid NOT NULL REFERENCES "revisions"("id"),
	"content_hash" text NOT NULL,
	"rendition_sha256" text NOT NULL,
	"rendition" text NOT NULL,
	"media" jsonb NOT NULL,
	"released_by" uuid REFERENCES "users"("id"),
	"released_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "releases_draft_idx" ON "releases" USING btree ("draft_id", "released_at");--> statement-breakpoint
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sanshen_app') THEN
    EXECUTE 'GRANT SELECT, INSERT ON media, media_uploads, releases TO sanshen_app';
  END IF;
END $$;
