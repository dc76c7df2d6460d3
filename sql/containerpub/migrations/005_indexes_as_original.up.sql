-- 005: the remaining indexes as the original ContainerPub has them (written by
-- `kysely-entities diff --allow-destructive --write`, reviewed): function_logs and
-- function_invocations are read newest first, so their timestamp indexes are DESC; deployments
-- keep the original's plain index by function beside the composite ones of 004.

-- DESTRUCTIVE: drops index "idx_function_logs_timestamp" to recreate it as declared (differs in order of "timestamp"): queries that use it get slower until it is rebuilt
DROP INDEX "idx_function_logs_timestamp";

-- DESTRUCTIVE: drops index "idx_function_invocations_timestamp" to recreate it as declared (differs in order of "timestamp"): queries that use it get slower until it is rebuilt
DROP INDEX "idx_function_invocations_timestamp";

CREATE INDEX "idx_function_deployments_function_id" ON "function_deployments" ("function_id");

CREATE INDEX "idx_function_logs_timestamp" ON "function_logs" ("timestamp" DESC);

CREATE INDEX "idx_function_invocations_timestamp" ON "function_invocations" ("timestamp" DESC);
