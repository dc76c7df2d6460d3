-- 003: user profiles and organizations as the original ContainerPub SQL has them
-- (003_add_user_relationships.sql), where the spec's tables were loose: times are timestamptz,
-- a profile's first and last names are required, and its role has no default.
-- The package reads a timestamp as UTC, so the stored values are taken as UTC instants.
-- A profile without a first or last name stops this migration (NOT NULL fails): fill them first.

ALTER TABLE "user_information"
  ALTER COLUMN "created_at" TYPE timestamptz USING "created_at" AT TIME ZONE 'UTC',
  ALTER COLUMN "updated_at" TYPE timestamptz USING "updated_at" AT TIME ZONE 'UTC',
  ALTER COLUMN "first_name" SET NOT NULL,
  ALTER COLUMN "last_name" SET NOT NULL,
  ALTER COLUMN "role" DROP DEFAULT;

ALTER TABLE "organizations"
  ALTER COLUMN "created_at" TYPE timestamptz USING "created_at" AT TIME ZONE 'UTC',
  ALTER COLUMN "updated_at" TYPE timestamptz USING "updated_at" AT TIME ZONE 'UTC';

ALTER TABLE "organization_members"
  ALTER COLUMN "joined_at" TYPE timestamptz USING "joined_at" AT TIME ZONE 'UTC';
