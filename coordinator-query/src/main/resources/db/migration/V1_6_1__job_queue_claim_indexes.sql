-- A claim reads the queued jobs of the miner's region and of none through this index, in queue order,
-- instead of every queued job; DispatchRepository.lockNextClaimable states the matching condition.
-- (The code generator's parser knows no index on an expression; the index is PostgreSQL's business only.)
/* [jooq ignore start] */
CREATE INDEX job_queue_region_idx ON job_queue ((coalesce(req_region, '')), submitted_at, job_id) WHERE claimable;
/* [jooq ignore stop] */

-- A fruitless claim asks which miners have reserved jobs waiting; few jobs are reserved.
CREATE INDEX job_queue_reserved_idx ON job_queue (reserved_miner_id) WHERE claimable AND reserved_miner_id IS NOT NULL;
