-- The `Reuter` signature that ends wire stories is moved to the boilerplate, not left as a trailer.
SELECT doc_id, source_file, record_index FROM documents
WHERE regexp_matches(text, '(^|\n)[ \t]*(?i:reuters?)(\.\.\.)?[ \t]*(\n|$)')
