-- ContainerPub functions database: generated from the table definitions in
-- src/containerpub/tables.ts by `npm run sql:generate`. Do not edit: change the
-- definitions and regenerate (a test fails when this file and the definitions differ).
-- Safe to run twice.

CREATE TABLE IF NOT EXISTS "function_data" (
  "id" serial PRIMARY KEY,
  "uuid" uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  "function_id" integer NOT NULL,
  "key" varchar(255) NOT NULL,
  "value" jsonb,
  "created_at" timestamp DEFAULT CURRENT_TIMESTAMP,
  "updated_at" timestamp DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "function_data_function_id_key_key" UNIQUE ("function_id", "key")
);

CREATE INDEX IF NOT EXISTS "idx_function_data_uuid" ON "function_data" ("uuid");

CREATE INDEX IF NOT EXISTS "idx_function_data_function_id" ON "function_data" ("function_id");

CREATE INDEX IF NOT EXISTS "idx_function_data_key" ON "function_data" ("key");

CREATE OR REPLACE FUNCTION "ke_touch_updated_at"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW."updated_at" = CURRENT_TIMESTAMP; RETURN NEW; END $$;

DROP TRIGGER IF EXISTS "function_data_updated_at_touch" ON "function_data";

CREATE TRIGGER "function_data_updated_at_touch" BEFORE UPDATE ON "function_data" FOR EACH ROW EXECUTE FUNCTION "ke_touch_updated_at"();
