"""One data function per view (datasette's way): each function here gathers what one page
shows, and the HTML pages (`web/routes/`) and the JSON API (`web/api/`) only render or
serialise it.  Values, findings and counts come from the record as reviewed
(`nianbao.store.reviewed`); which reports, from one `ReportFilter`.

Module map: `reports` (the list, one report, its review writes and exports), `compare`
(one agency across years and its trend), `rules` (a rule's failing reports), `uploads`
(checking and queueing uploaded files), `exports` (the list and a region's files)."""
