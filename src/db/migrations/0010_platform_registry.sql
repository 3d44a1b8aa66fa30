-- 备案: the platform register. Existing platforms were created by an admin and count as registered.
ALTER TABLE "platforms" ADD COLUMN "status" text DEFAULT 'registered' NOT NULL;--> statement-breakpoint
ALTER TABLE "platforms" ADD COLUMN "account_name" text;--> statement-breakpoint
ALTER TABLE "platforms" ADD COLUMN "account_id" text;--> statement-breakpoint
ALTER TABLE "platforms" ADD COLUMN "responsible_id" uuid REFERENCES "public"."users"("id");--> statement-breakpoint
ALTER TABLE "platforms" ADD COLUMN "admins" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "platforms" ADD COLUMN "correspondents" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "platforms" ADD COLUMN "positioning" text;--> statement-breakpoint
ALTER TABLE "platforms" ADD COLUMN "opened_on" date;--> statement-breakpoint
ALTER TABLE "platforms" ADD COLUMN "partner" text;--> statement-breakpoint
ALTER TABLE "platforms" ADD COLUMN "registered_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "platforms" ADD COLUMN "deregistered_at" timestamp with time zone;--> statement-breakpoint
UPDATE "platforms" SET "registered_at" = "created_at" WHERE "registered_at" IS NULL;--> statement-breakpoint
CREATE TABLE "platform_filings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"platform_id" uuid NOT NULL REFERENCES "public"."platforms"("id"),
	"kind" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"form" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"diff" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"reason" text DEFAULT '' NOT NULL,
	"changed_on" date,
	"due_on" date,
	"late" boolean DEFAULT false NOT NULL,
	"filed_by" uuid NOT NULL REFERENCES "public"."users"("id"),
	"filed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_by" uuid REFERENCES "public"."users"("id"),
	"decided_at" timestamp with time zone,
	"decision_comment" text
);
--> statement-breakpoint
CREATE INDEX "platform_filings_platform_idx" ON "platform_filings" USING btree ("platform_id","filed_at");--> statement-breakpoint
CREATE INDEX "platform_filings_pending_idx" ON "platform_filings" USING btree ("status","filed_at");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "audit_events_type_created_at_idx" ON "audit_events" USING btree ("type","created_at");--> statement-breakpoint
-- Filings are records: the app role files and decides them, never deletes one or rewrites what was filed.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sanshen_app') THEN
    EXECUTE 'GRANT SELECT, INSERT ON platform_filings TO sanshen_app';
    EXECUTE 'GRANT UPDATE (status, decided_by, decided_at, decision_comment) ON platform_filings TO sanshen_app';
  END IF;
END $$;
