-- No C0 control character but the newline that separates paragraphs, and no DEL.
SELECT doc_id, source_file, record_index FROM documents WHERE regexp_matches(text, '[\x00-\x09\x0B-\x1F\x7F]')
