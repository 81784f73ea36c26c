"""yooini: an embedded-first, durable orchestration engine for commerce data pipelines."""
