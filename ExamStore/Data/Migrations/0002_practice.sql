-- Practice sessions (personalised question sets in weak, current and revision sections), their answers, and each
-- student's running statistics per topic (accuracy, last seen, spaced-repetition interval).

CREATE TABLE practice_sessions (
    id            uuid PRIMARY KEY,
    student_id    text NOT NULL CHECK (length(student_id) BETWEEN 1 AND 100),
    subject       text NOT NULL,
    seed          bigint NOT NULL,
    size          integer NOT NULL CHECK (size BETWEEN 1 AND 100),
    mix           jsonb NOT NULL,
    status        text NOT NULL CHECK (status IN ('active', 'completed')),
    -- Each section's topics with the estimate and reason they were chosen for, and how the session departs from the
    -- request: with practice_questions, the whole generated session.
    topics        jsonb NOT NULL,
    notes         text[] NOT NULL,
    created_at    timestamptz NOT NULL,
    completed_at  timestamptz,
    -- The completion summary (per section accuracy, topic θ before and after), so a repeated completion returns it.
    summary       jsonb
);
CREATE INDEX ix_practice_sessions_student ON practice_sessions (student_id, subject);

-- The generated questions in order. theta_before/se_before are the topic estimate the item was chosen at.
CREATE TABLE practice_questions (
    session_id    uuid NOT NULL REFERENCES practice_sessions (id),
    position      integer NOT NULL CHECK (position >= 1),
    section       text NOT NULL CHECK (section IN ('weak', 'current', 'revision')),
    topic         text NOT NULL,
    item_id       bigint NOT NULL REFERENCES items (id),
    theta_before  double precision NOT NULL,
    se_before     double precision,
    PRIMARY KEY (session_id, position),
    UNIQUE (session_id, item_id)
);

-- One row per answered question: the primary key makes an answer idempotent.
CREATE TABLE practice_answers (
    session_id    uuid NOT NULL,
    item_id       bigint NOT NULL,
    response      integer NOT NULL CHECK (response >= 0),
    correct       boolean NOT NULL,
    answered_at   timestamptz NOT NULL,
    PRIMARY KEY (session_id, item_id),
    FOREIGN KEY (session_id, item_id) REFERENCES practice_questions (session_id, item_id)
);

-- Folded in the transaction of every practice answer and of every exam completion (TopicStatistics.FoldSql).
-- recent_accuracy is exponentially weighted (recent answers count most); review_interval doubles after a due review
-- answered well (capped) and falls back to one day after a poor one; next_review_at = last review + interval.
CREATE TABLE topic_statistics (
    student_id       text NOT NULL,
    subject          text NOT NULL,
    topic            text NOT NULL,
    attempts         integer NOT NULL CHECK (attempts >= 1),
    correct          integer NOT NULL CHECK (correct >= 0),
    recent_accuracy  double precision NOT NULL CHECK (recent_accuracy BETWEEN 0 AND 1),
    last_seen_at     timestamptz NOT NULL,
    review_interval  interval NOT NULL,
    next_review_at   timestamptz NOT NULL,
    PRIMARY KEY (student_id, subject, topic)
);
