-- issue 10 (guards): 工号 unique per person, separation of duties by person, forced password change, refused
-- sign-ins of unknown names counted like real ones.
--
-- Each decision keeps the 工号 its reviewer had when deciding, so "one person, one stage" and "the author never
-- reviews" compare people even if an account's 工号 is edited later. Backfilled before any 工号 is touched below.
ALTER TABLE "decisions" ADD COLUMN "actor_staff_id" text;
--> statement-breakpoint
UPDATE "decisions" d SET "actor_staff_id" = upper(btrim(u."staff_id")) FROM "users" u WHERE u."id" = d."actor_id" AND nullif(btrim(u."staff_id"), '') IS NOT NULL;
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "must_change_password" boolean DEFAULT false NOT NULL;
--> statement-breakpoint
-- A 工号 that two accounts shared before this migration: kept on the oldest account; every later account keeps it
-- here (shown to admins as 工号冲突), loses it from staff_id and is disabled until an admin gives it the right
-- 工号 and enables it again. Two accounts of one person can then never act at two stages of one draft.
ALTER TABLE "users" ADD COLUMN "staff_id_conflict" text;
--> statement-breakpoint
UPDATE "users" SET "staff_id" = NULL WHERE btrim("staff_id") = '';
--> statement-breakpoint
UPDATE "users" SET "staff_id" = btrim("staff_id") WHERE "staff_id" <> btrim("staff_id");
--> statement-breakpoint
WITH ranked AS (
  SELECT "id", row_number() OVER (PARTITION BY upper("staff_id") ORDER BY "created_at", "id") AS n
  FROM "users" WHERE "staff_id" IS NOT NULL
)
UPDATE "users" u SET "staff_id_conflict" = u."staff_id", "staff_id" = NULL, "disabled" = true
FROM ranked WHERE ranked."id" = u."id" AND ranked.n > 1;
--> statement-breakpoint
CREATE UNIQUE INDEX "users_staff_id_key" ON "users" (upper("staff_id")) WHERE "staff_id" IS NOT NULL;
--> statement-breakpoint
-- Failed sign-ins of names that have no account, counted like an account's own (401×4, then 423), so the answers
-- do not tell which names exist. Rows older than a day are pruned by the sign-in path.
CREATE TABLE "login_throttle" (
  "key" text PRIMARY KEY NOT NULL,
  "failures" integer DEFAULT 0 NOT NULL,
  "locked_until" timestamp with time zone,
  "updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "login_throttle_updated_idx" ON "login_throttle" ("updated_at");
--> statement-breakpoint
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sanshen_app') THEN
    EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON login_throttle TO sanshen_app';
  END IF;
END $$;
