-- source_summary: one row per source, with what it gave and what it lost.
-- Columns: source, documents, first_published DATE, last_published DATE, median_words (median
-- word_count), rejects, reject_rate (rejects / (documents + rejects)), duplicates (documents marked as
-- exact copies), duplicate_rate (duplicates / documents), near_duplicate_clustered (documents in a
-- near-duplicate cluster). A source with only rejects has a row with 0 documents.
-- Example: SELECT source, documents, rejects, reject_rate FROM source_summary;
CREATE OR REPLACE VIEW source_summary AS
WITH loaded AS (
    SELECT
        source,
        count(*) AS documents,
        min(published_date) AS first_published,
        max(published_date) AS last_published,
        median(word_count) AS median_words,
        count(duplicate_of) AS duplicates,
        count(near_duplicate_cluster) AS near_duplicate_clustered
    FROM documents
    GROUP BY source
),
refused AS (
    SELECT source, count(*) AS rejects FROM rejects GROUP BY source
)
SELECT
    source,
    coalesce(loaded.documents, 0) AS documents,
    first_published,
    last_published,
    median_words,
    coalesce(refused.rejects, 0) AS rejects,
    coalesce(refused.rejects, 0) / (coalesce(loaded.documents, 0) + coalesce(refused.rejects, 0)) AS reject_rate,
    coalesce(loaded.duplicates, 0) AS duplicates,
    loaded.duplicates / loaded.documents AS duplicate_rate,
    coalesce(loaded.near_duplicate_clustered, 0) AS near_duplicate_clustered
FROM loaded
FULL OUTER JOIN refused USING (source)
ORDER BY documents DESC, source
