CREATE TABLE "dictionary_changes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"action" text NOT NULL,
	"list" text NOT NULL,
	"terms" jsonb NOT NULL,
	"version_before" text NOT NULL,
	"version_after" text NOT NULL,
	"actor_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dictionary_rescan_hits" (
	"rescan_id" uuid NOT NULL,
	"draft_id" uuid NOT NULL,
	"revision_id" uuid NOT NULL,
	"findings" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dictionary_rescan_hits_rescan_id_draft_id_pk" PRIMARY KEY("rescan_id","draft_id")
);
--> statement-breakpoint
CREATE TABLE "dictionary_rescans" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"change_id" bigint NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"terms" jsonb NOT NULL,
	"ruleset_version" text,
	"total" integer DEFAULT 0 NOT NULL,
	"processed" integer DEFAULT 0 NOT NULL,
	"matched" integer DEFAULT 0 NOT NULL,
	"cursors" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"partitions" integer DEFAULT 0 NOT NULL,
	"claimed_by" text,
	"heartbeat_at" timestamp with time zone,
	"error" text,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "dictionary_terms" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"list" text NOT NULL,
	"term" text NOT NULL,
	"state" text NOT NULL,
	"severity" text DEFAULT '-' NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"flags" text DEFAULT '' NOT NULL,
	"change_id" bigint NOT NULL,
	"updated_by" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "dictionary_changes" ADD CONSTRAINT "dictionary_changes_actor_id_users_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dictionary_rescan_hits" ADD CONSTRAINT "dictionary_rescan_hits_rescan_id_dictionary_rescans_id_fk" FOREIGN KEY ("rescan_id") REFERENCES "public"."dictionary_rescans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dictionary_rescan_hits" ADD CONSTRAINT "dictionary_rescan_hits_draft_id_drafts_id_fk" FOREIGN KEY ("draft_id") REFERENCES "public"."drafts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dictionary_rescan_hits" ADD CONSTRAINT "dictionary_rescan_hits_revision_id_revisions_id_fk" FOREIGN KEY ("revision_id") REFERENCES "public"."revisions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dictionary_rescans" ADD CONSTRAINT "dictionary_rescans_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dictionary_terms" ADD CONSTRAINT "dictionary_terms_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "dictionary_rescans_status_idx" ON "dictionary_rescans" USING btree ("status","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "dictionary_terms_list_term_idx" ON "dictionary_terms" USING btree ("list","term");--> statement-breakpoint
-- The app role edits the overlay (insert / update the state of a term) and appends to the change log and the
-- rescan records; it never deletes any of them, so the history of every dictionary stays reconstructable.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sanshen_app') THEN
    EXECUTE 'GRANT SELECT, INSERT, UPDATE ON dictionary_terms, dictionary_rescans TO sanshen_app';
    EXECUTE 'GRANT SELECT, INSERT ON dictionary_changes, dictionary_rescan_hits TO sanshen_app';
    EXECUTE 'GRANT USAGE, SELECT ON SEQUENCE dictionary_terms_id_seq, dictionary_changes_id_seq TO sanshen_app';
  END IF;
END $$;
