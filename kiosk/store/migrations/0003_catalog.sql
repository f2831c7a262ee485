-- The cached service catalogue: one good version with its ETag, and its
-- items unpacked for listing and search (pinyin precomputed at store time).
CREATE TABLE catalog (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    version      TEXT NOT NULL,
    etag         TEXT NOT NULL,
    generated_at TEXT NOT NULL,
    generated_ms INTEGER NOT NULL,
    fetched_ms   INTEGER NOT NULL,
    serial       INTEGER NOT NULL,          -- +1 on every replacement; search caches key on it
    body         BLOB NOT NULL              -- the whole catalogue as JSON
) STRICT;

CREATE TABLE catalog_items (
    code     TEXT PRIMARY KEY,
    pos      INTEGER NOT NULL,
    category TEXT NOT NULL,
    name     TEXT NOT NULL,
    name_en  TEXT NOT NULL,                 -- lower case, for search
    initials TEXT NOT NULL,                 -- pinyin initials of name, e.g. zdshbz
    pinyin   TEXT NOT NULL,                 -- full pinyin of name without tones or spaces
    body     TEXT NOT NULL                  -- the item as JSON
) STRICT;
CREATE INDEX catalog_items_category ON catalog_items(category, pos);
