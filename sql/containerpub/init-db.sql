-- ContainerPub main database: generated from the table definitions in
-- src/containerpub/tables.ts by `npm run sql:generate`. Do not edit: change the
-- definitions and regenerate (a test fails when this file and the definitions differ).
-- Safe to run twice.

CREATE TABLE IF NOT EXISTS "users" (
  "id" serial PRIMARY KEY,
  "uuid" uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  "email" varchar(255) NOT NULL UNIQUE,
  "password_hash" varchar(255) NOT NULL,
  "created_at" timestamp DEFAULT CURRENT_TIMESTAMP,
  "updated_at" timestamp DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE IF NOT EXISTS "user_information" (
  "id" serial PRIMARY KEY,
  "uuid" uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  "user_id" uuid NOT NULL UNIQUE REFERENCES "users" ("uuid") ON DELETE CASCADE,
  "first_name" varchar(100) NOT NULL,
  "last_name" varchar(100) NOT NULL,
  "phone_number" varchar(20),
  "country" varchar(100),
  "city" varchar(100),
  "address" text,
  "zip_code" varchar(20),
  "avatar" text,
  "role" varchar(50) NOT NULL,
  "created_at" timestamptz DEFAULT CURRENT_TIMESTAMP,
  "updated_at" timestamptz DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "user_information_role_check" CHECK ("role" IN ('developer', 'team', 'sub_team_developer'))
);

CREATE TABLE IF NOT EXISTS "organizations" (
  "id" serial PRIMARY KEY,
  "uuid" uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  "name" varchar(255) NOT NULL UNIQUE,
  "owner_id" uuid NOT NULL REFERENCES "users" ("uuid") ON DELETE CASCADE,
  "created_at" timestamptz DEFAULT CURRENT_TIMESTAMP,
  "updated_at" timestamptz DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE IF NOT EXISTS "organization_members" (
  "id" serial PRIMARY KEY,
  "organization_id" uuid NOT NULL REFERENCES "organizations" ("uuid") ON DELETE CASCADE,
  "user_id" uuid NOT NULL UNIQUE REFERENCES "users" ("uuid") ON DELETE CASCADE,
  "joined_at" timestamptz DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE IF NOT EXISTS "functions" (
  "id" serial PRIMARY KEY,
  "uuid" uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  "user_id" integer NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
  "name" varchar(255) NOT NULL,
  "status" varchar(50) DEFAULT 'active',
  "active_deployment_id" integer,
  "analysis_result" jsonb,
  "created_at" timestamp DEFAULT CURRENT_TIMESTAMP,
  "updated_at" timestamp DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "functions_user_id_name_key" UNIQUE ("user_id", "name")
);

CREATE TABLE IF NOT EXISTS "function_deployments" (
  "id" serial PRIMARY KEY,
  "uuid" uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  "function_id" integer NOT NULL REFERENCES "functions" ("id") ON DELETE CASCADE,
  "version" integer NOT NULL,
  "image_tag" varchar(255) NOT NULL,
  "s3_key" varchar(500) NOT NULL,
  "status" varchar(50) DEFAULT 'building',
  "is_active" boolean DEFAULT false,
  "build_logs" text,
  "deployed_at" timestamp DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "function_deployments_function_id_version_key" UNIQUE ("function_id", "version")
);

CREATE TABLE IF NOT EXISTS "function_logs" (
  "id" serial PRIMARY KEY,
  "uuid" uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  "function_id" integer NOT NULL REFERENCES "functions" ("id") ON DELETE CASCADE,
  "level" varchar(20) NOT NULL,
  "message" text NOT NULL,
  "timestamp" timestamp DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE IF NOT EXISTS "function_invocations" (
  "id" serial PRIMARY KEY,
  "uuid" uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  "function_id" integer NOT NULL REFERENCES "functions" ("id") ON DELETE CASCADE,
  "status" varchar(50) NOT NULL,
  "duration_ms" integer,
  "error" text,
  "timestamp" timestamp DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX IF NOT EXISTS "idx_users_uuid" ON "users" ("uuid");

CREATE INDEX IF NOT EXISTS "idx_users_email" ON "users" ("email");

CREATE INDEX IF NOT EXISTS "idx_user_information_user_id" ON "user_information" ("user_id");

CREATE INDEX IF NOT EXISTS "idx_user_information_role" ON "user_information" ("role");

CREATE INDEX IF NOT EXISTS "idx_organizations_owner_id" ON "organizations" ("owner_id");

CREATE INDEX IF NOT EXISTS "idx_organizations_name" ON "organizations" ("name");

CREATE INDEX IF NOT EXISTS "idx_organization_members_organization_id" ON "organization_members" ("organization_id");

CREATE INDEX IF NOT EXISTS "idx_organization_members_user_id" ON "organization_members" ("user_id");

CREATE INDEX IF NOT EXISTS "idx_functions_uuid" ON "functions" ("uuid");

CREATE INDEX IF NOT EXISTS "idx_functions_user_id" ON "functions" ("user_id");

CREATE INDEX IF NOT EXISTS "idx_functions_active_deployment_id" ON "functions" ("active_deployment_id");

CREATE INDEX IF NOT EXISTS "idx_function_deployments_uuid" ON "function_deployments" ("uuid");

CREATE INDEX IF NOT EXISTS "idx_function_deployments_function_id" ON "function_deployments" ("function_id");

CREATE INDEX IF NOT EXISTS "idx_function_deployments_function_id_is_active" ON "function_deployments" ("function_id", "is_active");

CREATE INDEX IF NOT EXISTS "idx_function_deployments_function_id_version" ON "function_deployments" ("function_id", "version" DESC);

CREATE INDEX IF NOT EXISTS "idx_function_logs_uuid" ON "function_logs" ("uuid");

CREATE INDEX IF NOT EXISTS "idx_function_logs_function_id" ON "function_logs" ("function_id");

CREATE INDEX IF NOT EXISTS "idx_function_logs_timestamp" ON "function_logs" ("timestamp" DESC);

CREATE INDEX IF NOT EXISTS "idx_function_invocations_uuid" ON "function_invocations" ("uuid");

CREATE INDEX IF NOT EXISTS "idx_function_invocations_function_id" ON "function_invocations" ("function_id");

CREATE INDEX IF NOT EXISTS "idx_function_invocations_timestamp" ON "function_invocations" ("timestamp" DESC);

CREATE OR REPLACE FUNCTION "ke_touch_updated_at"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW."updated_at" = CURRENT_TIMESTAMP; RETURN NEW; END $$;

DROP TRIGGER IF EXISTS "users_updated_at_touch" ON "users";

CREATE TRIGGER "users_updated_at_touch" BEFORE UPDATE ON "users" FOR EACH ROW EXECUTE FUNCTION "ke_touch_updated_at"();

DROP TRIGGER IF EXISTS "user_information_updated_at_touch" ON "user_information";

CREATE TRIGGER "user_information_updated_at_touch" BEFORE UPDATE ON "user_information" FOR EACH ROW EXECUTE FUNCTION "ke_touch_updated_at"();

DROP TRIGGER IF EXISTS "organizations_updated_at_touch" ON "organizations";

CREATE TRIGGER "organizations_updated_at_touch" BEFORE UPDATE ON "organizations" FOR EACH ROW EXECUTE FUNCTION "ke_touch_updated_at"();

DROP TRIGGER IF EXISTS "functions_updated_at_touch" ON "functions";

CREATE TRIGGER "functions_updated_at_touch" BEFORE UPDATE ON "functions" FOR EACH ROW EXECUTE FUNCTION "ke_touch_updated_at"();
