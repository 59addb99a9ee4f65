"""The book's tooling, above the library: finding the book (``toc``), executing its chapters
(``build``), checking them against the published outputs (``check``), gluing a chapter's figures
with the runs behind them (``glue``), the appendix's provenance tables (``provenance``) and
papermill's reading of parameter values (``parameters``). The command line and the chapters use
it; the library never imports it."""
