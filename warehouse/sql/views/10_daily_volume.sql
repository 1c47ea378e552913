-- daily_volume: how many documents each source published each day, per language.
-- Columns: day DATE, source, language, documents. Undated documents are left out.
-- Example: SELECT * FROM daily_volume WHERE source = 'reuters21578' AND day >= DATE '1987-03-01' LIMIT 10;
CREATE OR REPLACE VIEW daily_volume AS
SELECT published_date AS day, source, language, count(*) AS documents
FROM documents
WHERE published_date IS NOT NULL
GROUP BY ALL
ORDER BY day, source, language
