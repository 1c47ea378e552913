-- mentions: the documents whose title or text contains `phrase` (case-insensitive; any run of spaces in
-- it matches any whitespace), best BM25 score first. The full-text index finds the candidates
-- (search(), which stems words and drops English stop words, so a phrase of stop words only finds
-- nothing), then the phrase itself is looked for.
-- Columns: score, doc_id, source, published_date, title, snippet (about 60 characters either side of
-- the first occurrence, in the text, or else the title).
-- Example: SELECT published_date, title, snippet FROM mentions('oil prices', n := 10);
CREATE OR REPLACE MACRO mentions(phrase, n := 100) AS TABLE
WITH
hits AS (
    SELECT
        score,
        doc_id,
        source,
        published_date,
        title,
        text,
        '(?i)' || regexp_replace(regexp_escape(trim(phrase)), '(\\ )+', '\\s+', 'g') AS pattern
    FROM search(phrase, top := NULL)
),
found AS (
    SELECT
        *,
        CASE WHEN regexp_matches(text, pattern) THEN text ELSE title END AS found_in
    FROM hits
    WHERE regexp_matches(text, pattern) OR regexp_matches(coalesce(title, ''), pattern)
),
located AS (
    SELECT *, strpos(found_in, regexp_extract(found_in, pattern)) AS found_at, length(regexp_extract(found_in, pattern)) AS width
    FROM found
)
SELECT
    score,
    doc_id,
    source,
    published_date,
    title,
    CASE WHEN found_at > 61 THEN '…' ELSE '' END
        || regexp_replace(substring(found_in, greatest(found_at - 60, 1), least(found_at - 1, 60) + width + 60), '\s+', ' ', 'g')
        || CASE WHEN found_at + width + 60 <= length(found_in) THEN '…' ELSE '' END AS snippet
FROM located
ORDER BY score DESC, doc_id
LIMIT n
