-- _term_counts: the terms of the documents published in [start_date, end_date) in language `lang`
-- (NULL: every language), for top_terms and rising_terms. A term is a lower-cased run of letters (with
-- inner apostrophes, as in "don't") of at least 3 characters that is not a stop word of the document's
-- language in stopwords-iso (`_stopwords`). A title that the text does not already contain counts too.
-- Columns: term, documents (how many contain it), occurrences.
-- Example: SELECT * FROM _term_counts('1987-03-01', '1987-04-01', 'en') WHERE term = 'oil';
CREATE OR REPLACE MACRO _term_counts(start_date, end_date, lang) AS TABLE
WITH chosen AS (
    SELECT
        doc_id,
        language,
        CASE WHEN title IS NULL OR contains(text, title) THEN text ELSE title || chr(10) || text END AS body
    FROM documents
    WHERE published_date >= CAST(start_date AS DATE)
      AND published_date < CAST(end_date AS DATE)
      AND (lang IS NULL OR language = lang)
),
tokens AS (
    SELECT
        doc_id,
        language,
        unnest(regexp_extract_all(
            lower(replace(body, '’', '''')), '\p{L}[\p{L}\p{M}]*(?:''\p{L}[\p{L}\p{M}]*)*'
        )) AS term
    FROM chosen
)
SELECT term, count(DISTINCT doc_id) AS documents, count(*) AS occurrences
FROM tokens
WHERE length(term) >= 3
  AND NOT EXISTS (
      SELECT 1 FROM _stopwords WHERE _stopwords.language = tokens.language AND _stopwords.word = tokens.term
  )
GROUP BY term
