-- 005 down: ascending timestamp indexes again; no plain index by function on deployments.

DROP INDEX "idx_function_invocations_timestamp";

DROP INDEX "idx_function_logs_timestamp";

DROP INDEX "idx_function_deployments_function_id";

CREATE INDEX "idx_function_invocations_timestamp" ON "function_invocations" ("timestamp");

CREATE INDEX "idx_function_logs_timestamp" ON "function_logs" ("timestamp");
