-- monthly_volume: how many documents each source published each month, per language.
-- Columns: month DATE (the first day of the month), source, language, documents. Undated documents
-- are left out.
-- Example: SELECT month, documents FROM monthly_volume WHERE source = 'reuters21578' AND language = 'en';
CREATE OR REPLACE VIEW monthly_volume AS
SELECT date_trunc('month', published_date)::DATE AS month, source, language, count(*) AS documents
FROM documents
WHERE published_date IS NOT NULL
GROUP BY ALL
ORDER BY month, source, language
