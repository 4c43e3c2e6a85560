DROP INDEX "event_sequence_idx";--> statement-breakpoint
DROP INDEX "webhook_delivery_endpoint_idx";--> statement-breakpoint
DROP INDEX "webhook_endpoint_account_idx";--> statement-breakpoint
DROP INDEX "checkout_session_account_create_idx";--> statement-breakpoint
DROP INDEX "checkout_session_account_reference_idx";--> statement-breakpoint
DROP INDEX "webhook_delivery_event_idx";--> statement-breakpoint
CREATE INDEX "checkout_session_account_state_create_idx" ON "checkout_session" USING btree ("account_id","state","create_time","id");--> statement-breakpoint
CREATE INDEX "checkout_session_account_open_expire_idx" ON "checkout_session" USING btree ("account_id","expire_time") WHERE "checkout_session"."state" = 'OPEN';--> statement-breakpoint
CREATE INDEX "event_account_type_sequence_idx" ON "event" USING btree ("account_id","type","sequence");--> statement-breakpoint
CREATE INDEX "event_account_session_sequence_idx" ON "event" USING btree ("account_id","checkout_session_id","sequence");--> statement-breakpoint
CREATE INDEX "webhook_delivery_endpoint_create_idx" ON "webhook_delivery" USING btree ("endpoint_id","create_time","id");--> statement-breakpoint
CREATE INDEX "webhook_delivery_endpoint_state_create_idx" ON "webhook_delivery" USING btree ("endpoint_id","state","create_time","id");--> statement-breakpoint
CREATE INDEX "webhook_endpoint_account_create_idx" ON "webhook_endpoint" USING btree ("account_id","create_time","id");--> statement-breakpoint
CREATE INDEX "checkout_session_account_create_idx" ON "checkout_session" USING btree ("account_id","create_time","id");--> statement-breakpoint
CREATE INDEX "checkout_session_account_reference_idx" ON "checkout_session" USING btree ("account_id","client_reference_id","create_time","id");--> statement-breakpoint
CREATE INDEX "webhook_delivery_event_idx" ON "webhook_delivery" USING btree ("event_id","endpoint_id","create_time","id");