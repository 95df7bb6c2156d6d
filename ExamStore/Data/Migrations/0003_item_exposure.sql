-- Item exposure across exams: how many ended exams (completed or abandoned) administered each item, and how many exams
-- ended per subject. Counted in the transaction that ends an exam (ExposureCounts.RecordSql), which is also the one that
-- moves the session out of 'active', so an exam counts exactly once. An item is administered by an exam when it was
-- answered in it, or when it was the item served and still waiting for an answer when the exam ended: the student saw
-- it. Exposure rate of an item = administrations / exams of its subject.

CREATE TABLE item_exposure (
    item_id          bigint PRIMARY KEY REFERENCES items (id),
    subject          text NOT NULL,
    administrations  bigint NOT NULL CHECK (administrations >= 1)
);
CREATE INDEX ix_item_exposure_subject ON item_exposure (subject);

-- items_administered = Σ administrations over the subject's items, so the mean test length needs no scan.
CREATE TABLE subject_exposure (
    subject             text PRIMARY KEY,
    exams               bigint NOT NULL CHECK (exams >= 1),
    items_administered  bigint NOT NULL CHECK (items_administered >= 0)
);

-- Backfill from the exams that ended before this migration, by the same rule. The served item is the last attempt's
-- next_selection, or the session's first_selection when nothing was answered; the UNION drops it when it was answered.
CREATE TEMPORARY TABLE ended_administrations ON COMMIT DROP AS
SELECT s.id AS session_id, s.subject, a.item_id
FROM exam_sessions s JOIN attempts a ON a.session_id = s.id
WHERE s.status <> 'active'
UNION
SELECT s.id, s.subject, (coalesce(last.next_selection, CASE WHEN last.seq IS NULL THEN s.first_selection END) ->> 'itemId')::bigint
FROM exam_sessions s
LEFT JOIN LATERAL (SELECT a.seq, a.next_selection FROM attempts a WHERE a.session_id = s.id ORDER BY a.seq DESC LIMIT 1) last ON true
WHERE s.status <> 'active';

DELETE FROM ended_administrations WHERE item_id IS NULL;

INSERT INTO item_exposure (item_id, subject, administrations)
SELECT e.item_id, i.subject, count(*)
FROM ended_administrations e JOIN items i ON i.id = e.item_id
GROUP BY e.item_id, i.subject;

INSERT INTO subject_exposure (subject, exams, items_administered)
SELECT s.subject, count(*), coalesce(sum(n.items), 0)
FROM exam_sessions s
LEFT JOIN (SELECT session_id, count(*) AS items FROM ended_administrations GROUP BY session_id) n ON n.session_id = s.id
WHERE s.status <> 'active'
GROUP BY s.subject;
