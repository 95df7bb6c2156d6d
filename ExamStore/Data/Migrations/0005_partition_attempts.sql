-- attempts partitioned by time (native range partitioning), so that a month of answers can be detached and archived
-- once its exams have ended (AttemptPartitions, ADMIN.md "Attempt partitions").
--
-- The partition key is session_id itself: session ids are UUIDv7 (Guid.CreateVersion7), whose leading 48 bits are the
-- session's start in Unix milliseconds, and Postgres compares uuids bytewise, so a month is the id range from the uuid
-- of its first millisecond (the 48-bit timestamp, every other bit zero) to the next month's. The key is part of the
-- primary key and of the unique (session_id, item_id), so both stay global constraints (the answer path's idempotency
-- rests on them), all attempts of an exam share one partition (its start month), and the hot path gains no column.
--
-- No DEFAULT partition: a row with no partition is refused instead, so partitions must exist ahead. They do: this
-- creates the current month and the next three, and every ExamApi and CleanupWorker start (and the worker daily) keeps
-- the current month and three ahead. A default partition would hide a missed month only to block that month's creation
-- later (Postgres refuses a new partition while the default holds rows of its range), and it rules out
-- DETACH PARTITION ... CONCURRENTLY, which is how old months leave without blocking answers.

ALTER TABLE attempts RENAME TO attempts_legacy;
-- Index-backed constraint names are relation names, and the partitioned table takes the original ones.
ALTER TABLE attempts_legacy RENAME CONSTRAINT attempts_pkey TO attempts_legacy_pkey;
ALTER TABLE attempts_legacy RENAME CONSTRAINT attempts_session_id_item_id_key TO attempts_legacy_session_id_item_id_key;
ALTER TABLE attempts_legacy RENAME CONSTRAINT attempts_session_id_fkey TO attempts_legacy_session_id_fkey;
ALTER TABLE attempts_legacy RENAME CONSTRAINT attempts_item_id_fkey TO attempts_legacy_item_id_fkey;

-- The same columns and constraints as 0001's table, under 0001's names. The CHECK constraints are named explicitly:
-- generated names would avoid the old table's, and attaching matches CHECK constraints by name.
CREATE TABLE attempts (
    session_id   uuid NOT NULL REFERENCES exam_sessions (id),
    seq          integer NOT NULL CONSTRAINT attempts_seq_check CHECK (seq >= 1),
    item_id      bigint NOT NULL REFERENCES items (id),
    response     integer NOT NULL CONSTRAINT attempts_response_check CHECK (response >= 0),
    correct      boolean NOT NULL,
    theta_after  double precision NOT NULL,
    se_after     double precision,
    served_at    timestamptz NOT NULL,
    answered_at  timestamptz NOT NULL,
    next_selection jsonb,
    PRIMARY KEY (session_id, seq),
    UNIQUE (session_id, item_id)
) PARTITION BY RANGE (session_id);

DO $$
DECLARE
    -- The uuid that starts a millisecond: its 48-bit Unix time in milliseconds, then zeros (32 hex digits, no hyphens).
    migrated_at constant uuid := (lpad(to_hex(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0') || repeat('0', 20))::uuid;
    -- Months are UTC months; timestamp without time zone keeps the session's time zone out of the month arithmetic.
    this_month constant timestamp := date_trunc('month', clock_timestamp() AT TIME ZONE 'UTC');
    lower_bound uuid := migrated_at;
    upper_bound uuid;
BEGIN
    -- Every existing id is a UUIDv7 from before this instant. Attaching checks that with one scan of the old table,
    -- under the lock this transaction holds anyway since the rename (a CHECK constraint added first would scan too).
    EXECUTE format('ALTER TABLE attempts ATTACH PARTITION attempts_legacy FOR VALUES FROM (MINVALUE) TO (%L)', migrated_at);
    -- The rest of this month (new exams from now on), then the next three months.
    FOR k IN 0..3 LOOP
        upper_bound := (lpad(to_hex((extract(epoch FROM this_month + make_interval(months => k + 1)) * 1000)::bigint), 12, '0') || repeat('0', 20))::uuid;
        EXECUTE format('CREATE TABLE %I PARTITION OF attempts FOR VALUES FROM (%L) TO (%L)',
            to_char(this_month + make_interval(months => k), '"attempts_"YYYY"_"MM'), lower_bound, upper_bound);
        lower_bound := upper_bound;
    END LOOP;
END
$$;
