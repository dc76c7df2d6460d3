-- 001 down: removes everything 001 created.

DROP TABLE IF EXISTS "function_invocations", "function_logs", "function_deployments", "functions", "users";

DROP FUNCTION IF EXISTS "ke_touch_updated_at"();
