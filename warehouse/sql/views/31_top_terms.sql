-- top_terms: the terms found in the most documents published in [start_date, end_date) in language
-- `lang` (NULL: every language), stop words of stopwords-iso left out (see _term_counts).
-- Columns: term, documents (how many contain it), occurrences.
-- Example: SELECT * FROM top_terms('1987-01-01', '1988-01-01', lang := 'en', n := 10);
CREATE OR REPLACE MACRO top_terms(start_date, end_date, lang := 'en', n := 20) AS TABLE
SELECT term, documents, occurrences
FROM _term_counts(start_date, end_date, lang)
ORDER BY documents DESC, occurrences DESC, term
LIMIT n
