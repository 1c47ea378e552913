-- Numeric references are decoded, and those naming control characters (Reuters' `&#3;`) removed.
SELECT doc_id, source_file, record_index FROM documents WHERE regexp_matches(text, '&#[xX]?[0-9a-fA-F]+;')
