-- Items, sessions, attempts and long-term proficiency: the source of truth (Redis holds only active sessions' hot state).

CREATE TABLE items (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject     text NOT NULL CHECK (length(subject) BETWEEN 1 AND 100),
    topic       text NOT NULL CHECK (length(topic) BETWEEN 1 AND 100),
    content     text NOT NULL CHECK (length(content) BETWEEN 1 AND 10000),
    options     text[] NOT NULL CHECK (cardinality(options) BETWEEN 2 AND 10),
    answer_key  integer NOT NULL,
    a           double precision NOT NULL CHECK (a > 0 AND a <= 10),
    b           double precision NOT NULL CHECK (b BETWEEN -10 AND 10),
    c           double precision NOT NULL DEFAULT 0 CHECK (c >= 0 AND c < 1),
    d           double precision NOT NULL DEFAULT 1 CHECK (d <= 1),
    status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (d > c),
    CHECK (answer_key >= 0 AND answer_key < cardinality(options))
);
CREATE INDEX ix_items_subject_topic ON items (subject, topic);

-- One row per subject; bumped in the same transaction as any change to that subject's items, so an API instance can
-- tell its in-memory bank is stale and a session can record the bank it ran with.
CREATE TABLE item_bank_versions (
    subject     text PRIMARY KEY,
    version     bigint NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE exam_sessions (
    id                uuid PRIMARY KEY,
    student_id        text NOT NULL CHECK (length(student_id) BETWEEN 1 AND 100),
    subject           text NOT NULL,
    configuration     jsonb NOT NULL,
    bank_version      bigint NOT NULL,
    status            text NOT NULL CHECK (status IN ('active', 'completed', 'abandoned')),
    theta             double precision NOT NULL,
    se                double precision,
    item_count        integer NOT NULL DEFAULT 0,
    first_selection   jsonb NOT NULL,
    stop_reason       text,
    started_at        timestamptz NOT NULL,
    last_activity_at  timestamptz NOT NULL,
    completed_at      timestamptz,
    expires_at        timestamptz
);
CREATE INDEX ix_exam_sessions_active ON exam_sessions (last_activity_at) WHERE status = 'active';
CREATE INDEX ix_exam_sessions_student ON exam_sessions (student_id, subject);

-- One row per answer, the only write of the answer path. next_selection records the item served after this answer and
-- why it was chosen (null when the answer ended the exam); the first item's is the session's first_selection. So the
-- current item of an active session is always known from Postgres alone.
CREATE TABLE attempts (
    session_id   uuid NOT NULL REFERENCES exam_sessions (id),
    seq          integer NOT NULL CHECK (seq >= 1),
    item_id      bigint NOT NULL REFERENCES items (id),
    response     integer NOT NULL CHECK (response >= 0),
    correct      boolean NOT NULL,
    theta_after  double precision NOT NULL,
    se_after     double precision,
    served_at    timestamptz NOT NULL,
    answered_at  timestamptz NOT NULL,
    next_selection jsonb,
    PRIMARY KEY (session_id, seq),
    UNIQUE (session_id, item_id)
);

CREATE TABLE student_proficiencies (
    student_id  text NOT NULL,
    subject     text NOT NULL,
    topic       text NOT NULL DEFAULT '',
    theta       double precision NOT NULL,
    se          double precision,
    sessions    integer NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (student_id, subject, topic)
);
