ALTER TABLE "api_key" ADD COLUMN "display_name" text DEFAULT 'API key' NOT NULL;--> statement-breakpoint
ALTER TABLE "api_key" ADD COLUMN "expire_time" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "api_key" ADD COLUMN "last_used_time" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "event" ADD COLUMN "session_sequence" integer;--> statement-breakpoint
CREATE INDEX "api_key_account_create_idx" ON "api_key" USING btree ("account_id","create_time","id");--> statement-breakpoint
-- Events written before the column: numbered per session in the order they were written.
UPDATE "event" SET "session_sequence" = numbered.n FROM (
  SELECT "id", row_number() OVER (PARTITION BY "account_id", "checkout_session_id" ORDER BY "sequence") AS n
  FROM "event" WHERE "checkout_session_id" IS NOT NULL
) AS numbered WHERE "event"."id" = numbered."id";
