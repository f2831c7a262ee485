-- The last cases fetched for a resident, sealed, keyed by a keyed hash of the
-- ID number (never the number itself), for display while offline.
CREATE TABLE cached_cases (
    applicant_tag TEXT PRIMARY KEY,
    fetched_ms    INTEGER NOT NULL,
    sealed        BLOB NOT NULL
) STRICT;
