CREATE TABLE "trusted_document_policy" (
	"account_id" text PRIMARY KEY NOT NULL,
	"only_trusted_documents" boolean NOT NULL,
	"update_time" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "trusted_document" (
	"account_id" text NOT NULL,
	"document_id" text NOT NULL,
	"document" text NOT NULL,
	"create_time" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "trusted_document_account_id_document_id_pk" PRIMARY KEY("account_id","document_id")
);
--> statement-breakpoint
ALTER TABLE "trusted_document_policy" ADD CONSTRAINT "trusted_document_policy_account_id_account_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."account"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trusted_document" ADD CONSTRAINT "trusted_document_account_id_account_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."account"("id") ON DELETE no action ON UPDATE no action;