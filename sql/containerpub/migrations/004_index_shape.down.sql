-- 004 down: the single-column deployment indexes of 001 again; no uuid index on logs and
-- invocations.

DROP INDEX IF EXISTS "idx_function_invocations_uuid";

DROP INDEX IF EXISTS "idx_function_logs_uuid";

DROP INDEX IF EXISTS "idx_function_deployments_function_id_version";

DROP INDEX IF EXISTS "idx_function_deployments_function_id_is_active";

CREATE INDEX IF NOT EXISTS "idx_function_deployments_function_id" ON "function_deployments" ("function_id");

CREATE INDEX IF NOT EXISTS "idx_function_deployments_is_active" ON "function_deployments" ("is_active");

CREATE INDEX IF NOT EXISTS "idx_function_deployments_version" ON "function_deployments" ("version");
