-- duplicate_clusters: one row per near-duplicate cluster, and per group of exact copies that is in no
-- such cluster, largest first.
-- Columns: cluster_id (the near_duplicate_cluster, or the doc_id of the first copy), kind ('near' or
-- 'exact'), size (documents), exact_duplicates (members marked duplicate_of another document),
-- sources (list), example_title (the title of the document cluster_id names, else any title),
-- first_published DATE, last_published DATE.
-- Example: SELECT cluster_id, size, sources, example_title FROM duplicate_clusters LIMIT 10;
CREATE OR REPLACE VIEW duplicate_clusters AS
WITH first_copies AS (
    SELECT DISTINCT duplicate_of AS first_copy FROM documents WHERE duplicate_of IS NOT NULL
),
members AS (
    SELECT
        coalesce(documents.near_duplicate_cluster, first_copies.first_copy) AS cluster_id,
        documents.doc_id,
        documents.source,
        documents.title,
        documents.published_date,
        documents.duplicate_of,
        documents.near_duplicate_cluster
    FROM documents
    LEFT JOIN first_copies ON first_copies.first_copy = coalesce(documents.duplicate_of, documents.doc_id)
    WHERE documents.near_duplicate_cluster IS NOT NULL OR first_copies.first_copy IS NOT NULL
)
SELECT
    cluster_id,
    CASE WHEN bool_or(near_duplicate_cluster IS NOT NULL) THEN 'near' ELSE 'exact' END AS kind,
    count(*) AS size,
    count(duplicate_of) AS exact_duplicates,
    list_sort(list(DISTINCT source)) AS sources,
    coalesce(max(title) FILTER (WHERE doc_id = cluster_id), min(title)) AS example_title,
    min(published_date) AS first_published,
    max(published_date) AS last_published
FROM members
GROUP BY cluster_id
ORDER BY size DESC, cluster_id
