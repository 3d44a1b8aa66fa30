CREATE TABLE "finding_reports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"finding_id" uuid NOT NULL REFERENCES "findings"("id"),
	"draft_id" uuid NOT NULL REFERENCES "drafts"("id"),
	"rule_id" text NOT NULL,
	"reporter_id" uuid NOT NULL REFERENCES "users"("id"),
	"comment" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "finding_reports_finding_reporter_idx" ON "finding_reports" ("finding_id", "reporter_id");
--> statement-breakpoint
CREATE INDEX "finding_reports_rule_idx" ON "finding_reports" ("rule_id", "created_at");
--> statement-breakpoint
CREATE INDEX "findings_rule_created_idx" ON "findings" ("created_at", "rule_id");
--> statement-breakpoint
-- The app role records reports; it never rewrites or deletes one (they are labels of the rule's precision).
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sanshen_app') THEN
    EXECUTE 'GRANT SELECT, INSERT ON finding_reports TO sanshen_app';
  END IF;
END $$;
--> statement-breakpoint
-- 影子规则: a new or changed term that runs silently (preview over new, in-flight and released drafts) before an
-- admin switches it on; the rows are the record, the security chain has the audit events.
CREATE TABLE "shadow_terms" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"list" text NOT NULL,
	"term" text NOT NULL,
	"severity" text DEFAULT '-' NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"flags" text DEFAULT '' NOT NULL,
	"status" text DEFAULT 'shadow' NOT NULL,
	"base_version" text NOT NULL,
	"created_by" uuid REFERENCES "users"("id"),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_by" uuid REFERENCES "users"("id"),
	"decided_at" timestamp with time zone,
	"change_id" bigint
);
--> statement-breakpoint
CREATE UNIQUE INDEX "shadow_terms_active_idx" ON "shadow_terms" ("list", "term") WHERE "status" = 'shadow';
--> statement-breakpoint
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sanshen_app') THEN
    EXECUTE 'GRANT SELECT, INSERT ON shadow_terms TO sanshen_app';
    EXECUTE 'GRANT UPDATE (status, decided_by, decided_at, change_id) ON shadow_terms TO sanshen_app';
  END IF;
END $$;
--> statement-breakpoint
-- Whitelist entries scoped to one unit (the school-wide whitelist is the dictionary overlay's `whitelist` list).
CREATE TABLE "scoped_whitelist" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"phrase" text NOT NULL,
	"unit_id" uuid NOT NULL REFERENCES "units"("id"),
	"rule_id" text,
	"note" text DEFAULT '' NOT NULL,
	"created_by" uuid REFERENCES "users"("id"),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "scoped_whitelist_unit_phrase_idx" ON "scoped_whitelist" ("unit_id", "phrase");
--> statement-breakpoint
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sanshen_app') THEN
    EXECUTE 'GRANT SELECT, INSERT ON scoped_whitelist TO sanshen_app';
  END IF;
END $$;
