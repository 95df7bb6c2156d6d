-- The table bench/pgbench/single-insert.sql inserts into: an attempt row's shape (7 columns, primary key).
DROP TABLE IF EXISTS loadgen_pgbench;
CREATE TABLE loadgen_pgbench (
    session_id   uuid NOT NULL,
    seq          integer NOT NULL,
    item_id      bigint NOT NULL,
    response     integer NOT NULL,
    correct      boolean NOT NULL,
    theta_after  double precision NOT NULL,
    answered_at  timestamptz NOT NULL,
    PRIMARY KEY (session_id, seq)
);
