CREATE TABLE "proof_marks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"draft_id" uuid NOT NULL,
	"revision_id" uuid NOT NULL,
	"stage" text NOT NULL,
	"kind" text NOT NULL,
	"start_offset" integer NOT NULL,
	"end_offset" integer NOT NULL,
	"source" jsonb NOT NULL,
	"original" text NOT NULL,
	"replacement" text,
	"note" text DEFAULT '' NOT NULL,
	"finding_id" uuid,
	"status" text DEFAULT 'open' NOT NULL,
	"created_by" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_by" uuid,
	"resolved_at" timestamp with time zone,
	"resolution_note" text,
	"applied_revision_id" uuid
);
--> statement-breakpoint
ALTER TABLE "proof_marks" ADD CONSTRAINT "proof_marks_draft_id_drafts_id_fk" FOREIGN KEY ("draft_id") REFERENCES "public"."drafts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "proof_marks" ADD CONSTRAINT "proof_marks_revision_id_revisions_id_fk" FOREIGN KEY ("revision_id") REFERENCES "public"."revisions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "proof_marks" ADD CONSTRAINT "proof_marks_finding_id_findings_id_fk" FOREIGN KEY ("finding_id") REFERENCES "public"."findings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "proof_marks" ADD CONSTRAINT "proof_marks_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "proof_marks" ADD CONSTRAINT "proof_marks_resolved_by_users_id_fk" FOREIGN KEY ("resolved_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "proof_marks" ADD CONSTRAINT "proof_marks_applied_revision_id_revisions_id_fk" FOREIGN KEY ("applied_revision_id") REFERENCES "public"."revisions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "proof_marks_draft_idx" ON "proof_marks" USING btree ("draft_id","revision_id");--> statement-breakpoint
-- The app role records marks and their resolution; it never deletes a mark and never rewrites what a mark says
-- (span, text, author): only the resolution columns are updatable.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sanshen_app') THEN
    EXECUTE 'GRANT SELECT, INSERT ON proof_marks TO sanshen_app';
    EXECUTE 'GRANT UPDATE (status, resolved_by, resolved_at, resolution_note, applied_revision_id) ON proof_marks TO sanshen_app';
  END IF;
END $$;
