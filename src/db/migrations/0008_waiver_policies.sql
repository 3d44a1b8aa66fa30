-- Issue 10: every finding carries the waiver policy of its rule (config/waivers.ts), decided when it is recorded.
ALTER TABLE "findings" ADD COLUMN "waiver_policy" text;
--> statement-breakpoint
-- Findings recorded before policies existed get the policy the shipped configuration gives them.
UPDATE "findings" SET "waiver_policy" = CASE
  WHEN "category" IN ('secrecy.marking', 'personal.id-card', 'personal.bank-card') THEN 'never'
  WHEN "check_id" = 'sensitive' AND "category" IN ('politics', 'porn', 'violence-terror') AND "severity" = 'block' THEN 'never'
  WHEN "severity" = 'block' THEN 'propaganda'
  ELSE 'stage' END
WHERE "waiver_policy" IS NULL;
--> statement-breakpoint
CREATE INDEX "findings_draft_waived_idx" ON "findings" ("draft_id") WHERE "waived_at" IS NOT NULL;
