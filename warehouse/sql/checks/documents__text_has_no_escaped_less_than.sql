-- Text is unescaped: no `&lt;` left (Reuters writes tickers as `&lt;OXY>`).
SELECT doc_id, source_file, record_index FROM documents WHERE contains(text, '&lt;')
