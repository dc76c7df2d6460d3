-- 003 down: back to 002's columns (timestamp holding UTC, optional names, role default).

ALTER TABLE "organization_members"
  ALTER COLUMN "joined_at" TYPE timestamp USING "joined_at" AT TIME ZONE 'UTC';

ALTER TABLE "organizations"
  ALTER COLUMN "created_at" TYPE timestamp USING "created_at" AT TIME ZONE 'UTC',
  ALTER COLUMN "updated_at" TYPE timestamp USING "updated_at" AT TIME ZONE 'UTC';

ALTER TABLE "user_information"
  ALTER COLUMN "created_at" TYPE timestamp USING "created_at" AT TIME ZONE 'UTC',
  ALTER COLUMN "updated_at" TYPE timestamp USING "updated_at" AT TIME ZONE 'UTC',
  ALTER COLUMN "first_name" DROP NOT NULL,
  ALTER COLUMN "last_name" DROP NOT NULL,
  ALTER COLUMN "role" SET DEFAULT 'developer';
