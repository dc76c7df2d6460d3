-- 004: the indexes as the original ContainerPub has them. Deployments are looked up by function
-- with the active one or the latest version first: composite (function_id, is_active) and
-- (function_id, version DESC) replace the single-column indexes (their leading column serves
-- lookups by function alone); function_logs and function_invocations get a uuid index like the
-- other tables.

DROP INDEX IF EXISTS "idx_function_deployments_function_id";

DROP INDEX IF EXISTS "idx_function_deployments_is_active";

DROP INDEX IF EXISTS "idx_function_deployments_version";

CREATE INDEX IF NOT EXISTS "idx_function_deployments_function_id_is_active" ON "function_deployments" ("function_id", "is_active");

CREATE INDEX IF NOT EXISTS "idx_function_deployments_function_id_version" ON "function_deployments" ("function_id", "version" DESC);

CREATE INDEX IF NOT EXISTS "idx_function_logs_uuid" ON "function_logs" ("uuid");

CREATE INDEX IF NOT EXISTS "idx_function_invocations_uuid" ON "function_invocations" ("uuid");
