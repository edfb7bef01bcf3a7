"""The parse pipeline: bytes -> `readers` (one module per format) -> `normalize` (and
`unglue` for crawler dumps) -> `segment` (sections, template) and `metadata` -> `extract`
(tables 二/三/四 with provenance) -> `model.Report`.  `pipeline.parse` runs the stages."""
