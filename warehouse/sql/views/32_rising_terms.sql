-- rising_terms: the terms whose share of documents rose most from the period [before_start, before_end)
-- to [after_start, after_end), in language `lang` (NULL: every language).
-- lift = ((after_documents + 1) / (after_total + 1)) / ((before_documents + 1) / (before_total + 1)):
-- the ratio of the two shares, each count plus one so that a term absent before does not divide by
-- zero; a term must be in at least `min_documents` documents of the second period, so that a word seen
-- twice cannot win.
-- Columns: term, before_documents, after_documents, before_share, after_share, lift.
-- Example: SELECT * FROM rising_terms('1987-03-01', '1987-03-08', '1987-03-16', '1987-03-23', n := 10);
CREATE OR REPLACE MACRO rising_terms(
    before_start, before_end, after_start, after_end, lang := 'en', n := 20, min_documents := 10
) AS TABLE
WITH
before_terms AS (SELECT term, documents FROM _term_counts(before_start, before_end, lang)),
after_terms AS (SELECT term, documents FROM _term_counts(after_start, after_end, lang)),
totals AS (
    SELECT
        (
            SELECT count(*) FROM documents
            WHERE published_date >= CAST(before_start AS DATE) AND published_date < CAST(before_end AS DATE)
              AND (lang IS NULL OR language = lang)
        ) AS before_total,
        (
            SELECT count(*) FROM documents
            WHERE published_date >= CAST(after_start AS DATE) AND published_date < CAST(after_end AS DATE)
              AND (lang IS NULL OR language = lang)
        ) AS after_total
)
SELECT
    after_terms.term,
    coalesce(before_terms.documents, 0) AS before_documents,
    after_terms.documents AS after_documents,
    coalesce(before_terms.documents, 0) / nullif(before_total, 0) AS before_share,
    after_terms.documents / after_total AS after_share,
    ((after_terms.documents + 1) / (after_total + 1))
        / ((coalesce(before_terms.documents, 0) + 1) / (before_total + 1)) AS lift
FROM after_terms
LEFT JOIN before_terms USING (term)
CROSS JOIN totals
WHERE after_terms.documents >= min_documents
ORDER BY lift DESC, after_documents DESC, term
LIMIT n
