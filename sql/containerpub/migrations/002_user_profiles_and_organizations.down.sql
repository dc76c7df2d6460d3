-- 002 down: removes the profile and organization tables (members first: they reference
-- organizations); the trigger function stays, 001's tables use it.

DROP TABLE IF EXISTS "organization_members", "organizations", "user_information";
