-- One single-row INSERT per transaction, shaped like an attempt row (7 columns, primary key on session and position):
-- the machine's ceiling for an answer path with one durable insert. Run by the load generator (--pgbench-seconds)
-- after bench/pgbench/single-insert-setup.sql, or by hand:
--   PGPASSWORD=... pgbench -n -c 16 -j 2 -T 10 -f bench/pgbench/single-insert.sql -h 127.0.0.1 -p PORT -U postgres examdb
\set item random(1, 500)
\set response random(0, 3)
INSERT INTO loadgen_pgbench (session_id, seq, item_id, response, correct, theta_after, answered_at)
VALUES (gen_random_uuid(), :client_id + 1, :item, :response, :response = 0, random() * 6 - 3, now());
