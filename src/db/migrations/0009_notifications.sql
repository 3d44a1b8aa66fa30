-- Notifications (issue 14): a durable outbox written in the transition's own transaction, deliveries per
-- (notification, channel or person) with their attempts and last error, the in-app inbox, per-user preferences.
ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "email" text;
--> statement-breakpoint
CREATE TABLE "notification_channels" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"url" text NOT NULL,
	"secret" text,
	"unit_id" uuid REFERENCES "units"("id"),
	"events" text[],
	"created_by" uuid REFERENCES "users"("id"),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"event" text NOT NULL,
	"draft_id" uuid REFERENCES "drafts"("id"),
	"dedup_key" text,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "notifications_dedup_idx" ON "notifications" ("dedup_key");
--> statement-breakpoint
CREATE INDEX "notifications_draft_idx" ON "notifications" ("draft_id", "created_at");
--> statement-breakpoint
CREATE TABLE "notification_inbox" (
	"notification_id" uuid NOT NULL REFERENCES "notifications"("id"),
	"user_id" uuid NOT NULL REFERENCES "users"("id"),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"read_at" timestamp with time zone,
	PRIMARY KEY ("notification_id", "user_id")
);
--> statement-breakpoint
CREATE INDEX "notification_inbox_user_idx" ON "notification_inbox" ("user_id", "created_at");
--> statement-breakpoint
CREATE TABLE "notification_deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"notification_id" uuid NOT NULL REFERENCES "notifications"("id"),
	"channel_id" uuid REFERENCES "notification_channels"("id"),
	"user_id" uuid REFERENCES "users"("id"),
	"kind" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"not_before" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	CONSTRAINT "notification_deliveries_target" CHECK (("channel_id" IS NULL) <> ("user_id" IS NULL))
);
--> statement-breakpoint
-- One delivery per (notification, channel) and per (notification, person): a retry reuses the row and its id.
CREATE UNIQUE INDEX "notification_deliveries_channel_idx" ON "notification_deliveries" ("notification_id", "channel_id") WHERE "channel_id" IS NOT NULL;
--> statement-breakpoint
CREATE UNIQUE INDEX "notification_deliveries_user_idx" ON "notification_deliveries" ("notification_id", "user_id") WHERE "user_id" IS NOT NULL;
--> statement-breakpoint
CREATE INDEX "notification_deliveries_owed_idx" ON "notification_deliveries" ("status", "not_before") WHERE "status" IN ('pending', 'sending');
--> statement-breakpoint
CREATE TABLE "notification_preferences" (
	"user_id" uuid PRIMARY KEY NOT NULL REFERENCES "users"("id"),
	"email_enabled" boolean DEFAULT true NOT NULL,
	"digest" boolean DEFAULT false NOT NULL,
	"quiet_start" text,
	"quiet_end" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sanshen_app') THEN
    EXECUTE 'GRANT SELECT, INSERT, UPDATE ON notification_channels, notification_deliveries, notification_preferences TO sanshen_app';
    EXECUTE 'GRANT SELECT, INSERT ON notifications TO sanshen_app';
    EXECUTE 'GRANT SELECT, INSERT, UPDATE (read_at) ON notification_inbox TO sanshen_app';
  END IF;
END $$;
