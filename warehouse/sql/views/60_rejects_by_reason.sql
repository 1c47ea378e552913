-- rejects_by_reason: what could not be loaded, by source, format and reason, most frequent first.
-- Columns: source, source_format, reason, rejects, example_message (the message of the first such
-- reject, by file and record).
-- Example: SELECT * FROM rejects_by_reason WHERE source = 'warc';
CREATE OR REPLACE VIEW rejects_by_reason AS
SELECT
    source,
    source_format,
    reason,
    count(*) AS rejects,
    arg_min(message, (source_file, record_index)) AS example_message
FROM rejects
GROUP BY ALL
ORDER BY rejects DESC, source, source_format, reason
