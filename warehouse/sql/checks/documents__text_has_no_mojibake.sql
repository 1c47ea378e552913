-- UTF-8 read as Windows-1252 or Latin-1 is repaired: no `â€™`, `Ã©`, `Â£` and the like.
SELECT doc_id, source_file, record_index FROM documents
WHERE regexp_matches(text, 'â€|Ã[\x{80}-\x{BF}]|Â[\x{A0}-\x{BF}]')
