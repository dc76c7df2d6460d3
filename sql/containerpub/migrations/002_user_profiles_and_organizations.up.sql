-- 002: user profiles and organizations, added after the first release.
-- Written from the table definitions with generateDDL when it was released; a later
-- change gets a new migration, never an edit here.

CREATE TABLE IF NOT EXISTS "user_information" (
  "id" serial PRIMARY KEY,
  "uuid" uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  "user_id" uuid NOT NULL UNIQUE REFERENCES "users" ("uuid") ON DELETE CASCADE,
  "first_name" varchar(100),
  "last_name" varchar(100),
  "phone_number" varchar(20),
  "country" varchar(100),
  "city" varchar(100),
  "address" text,
  "zip_code" varchar(20),
  "avatar" text,
  "role" varchar(50) NOT NULL DEFAULT 'developer',
  "created_at" timestamp DEFAULT CURRENT_TIMESTAMP,
  "updated_at" timestamp DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "user_information_role_check" CHECK ("role" IN ('developer', 'team', 'sub_team_developer'))
);

CREATE TABLE IF NOT EXISTS "organizations" (
  "id" serial PRIMARY KEY,
  "uuid" uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  "name" varchar(255) NOT NULL UNIQUE,
  "owner_id" uuid NOT NULL REFERENCES "users" ("uuid") ON DELETE CASCADE,
  "created_at" timestamp DEFAULT CURRENT_TIMESTAMP,
  "updated_at" timestamp DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE IF NOT EXISTS "organization_members" (
  "id" serial PRIMARY KEY,
  "organization_id" uuid NOT NULL REFERENCES "organizations" ("uuid") ON DELETE CASCADE,
  "user_id" uuid NOT NULL UNIQUE REFERENCES "users" ("uuid") ON DELETE CASCADE,
  "joined_at" timestamp DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX IF NOT EXISTS "idx_user_information_user_id" ON "user_information" ("user_id");

CREATE INDEX IF NOT EXISTS "idx_user_information_role" ON "user_information" ("role");

CREATE INDEX IF NOT EXISTS "idx_organizations_owner_id" ON "organizations" ("owner_id");

CREATE INDEX IF NOT EXISTS "idx_organizations_name" ON "organizations" ("name");

CREATE INDEX IF NOT EXISTS "idx_organization_members_organization_id" ON "organization_members" ("organization_id");

CREATE INDEX IF NOT EXISTS "idx_organization_members_user_id" ON "organization_members" ("user_id");

CREATE OR REPLACE FUNCTION "ke_touch_updated_at"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW."updated_at" = CURRENT_TIMESTAMP; RETURN NEW; END $$;

DROP TRIGGER IF EXISTS "user_information_updated_at_touch" ON "user_information";

CREATE TRIGGER "user_information_updated_at_touch" BEFORE UPDATE ON "user_information" FOR EACH ROW EXECUTE FUNCTION "ke_touch_updated_at"();

DROP TRIGGER IF EXISTS "organizations_updated_at_touch" ON "organizations";

CREATE TRIGGER "organizations_updated_at_touch" BEFORE UPDATE ON "organizations" FOR EACH ROW EXECUTE FUNCTION "ke_touch_updated_at"();
