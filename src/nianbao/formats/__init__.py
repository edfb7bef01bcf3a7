"""The official formats as data: `templates` (sections, rows, columns, labels: the only
place a label is spelled), `vocab` (label matching built from them) and `divisions`
(administrative division names)."""
