-- Exam designs: how an exam runs (estimator, first item, selection with exposure and content control, stopping rules,
-- time limit, D), fixed by the test designer per subject. Every change is a new immutable version; an exam runs on the
-- version that was active when it started and records it (design_key), so a rebuild from Postgres replays it exactly.

CREATE TABLE exam_designs (
    id              text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    subject         text NOT NULL CHECK (length(subject) BETWEEN 1 AND 100),
    name            text NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    -- The version new exams start on; null until a version is activated.
    active_version  integer,
    created_at      timestamptz NOT NULL
);
CREATE INDEX ix_exam_designs_subject ON exam_designs (subject);

CREATE TABLE exam_design_versions (
    -- A compact id of the version, small enough to travel in every session's hot state.
    key           bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    design_id     text NOT NULL REFERENCES exam_designs (id),
    version       integer NOT NULL CHECK (version >= 1),
    definition    jsonb NOT NULL,
    created_at    timestamptz NOT NULL,
    activated_at  timestamptz,
    -- The simulation run when the version was activated (the QA gate's report).
    simulation    jsonb,
    PRIMARY KEY (design_id, version)
);

-- The design an exam of the subject runs when the start request names none.
CREATE TABLE subject_default_designs (
    subject    text PRIMARY KEY,
    design_id  text NOT NULL REFERENCES exam_designs (id)
);

ALTER TABLE exam_sessions ADD COLUMN design_key bigint REFERENCES exam_design_versions (key);

-- Exams still running from before designs existed keep their settings: each distinct configuration of a subject
-- becomes a version of that subject's "legacy" design, so they replay exactly as they started.
WITH legacy AS (
    SELECT DISTINCT subject,
        jsonb_strip_nulls(jsonb_build_object(
            'estimator', jsonb_build_object('method', configuration->>'estimator'),
            'firstItem', jsonb_build_object('rule', 'randomesque', 'candidates', 5),
            'stopping', jsonb_build_object('minItems', (configuration->>'minItems')::int, 'maxItems', (configuration->>'maxItems')::int,
                                           'seTarget', (configuration->>'seTarget')::double precision),
            'timeLimitSeconds', (configuration->>'timeLimitSeconds')::int)) AS definition
    FROM exam_sessions WHERE status = 'active'
), numbered AS (
    SELECT subject, definition,
        'legacy-' || dense_rank() OVER (ORDER BY subject) AS design_id,
        row_number() OVER (PARTITION BY subject ORDER BY definition::text) AS version
    FROM legacy
), designs AS (
    INSERT INTO exam_designs (id, subject, name, created_at)
    SELECT DISTINCT design_id, subject, 'Settings of exams started before designs', now() FROM numbered
    RETURNING id
), versions AS (
    INSERT INTO exam_design_versions (design_id, version, definition, created_at)
    SELECT n.design_id, n.version, n.definition, now() FROM numbered n JOIN designs d ON d.id = n.design_id
    RETURNING key, design_id, definition
)
UPDATE exam_sessions s SET design_key = v.key
FROM versions v JOIN numbered n ON n.design_id = v.design_id AND n.definition = v.definition
WHERE s.status = 'active' AND s.subject = n.subject
  AND jsonb_strip_nulls(jsonb_build_object(
            'estimator', jsonb_build_object('method', s.configuration->>'estimator'),
            'firstItem', jsonb_build_object('rule', 'randomesque', 'candidates', 5),
            'stopping', jsonb_build_object('minItems', (s.configuration->>'minItems')::int, 'maxItems', (s.configuration->>'maxItems')::int,
                                           'seTarget', (s.configuration->>'seTarget')::double precision),
            'timeLimitSeconds', (s.configuration->>'timeLimitSeconds')::int)) = n.definition;
