-- Text is unescaped: no `&amp;` left.
SELECT doc_id, source_file, record_index FROM documents WHERE contains(text, '&amp;')
