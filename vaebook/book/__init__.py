"""The book's tooling, above the library: finding the book (``toc``), executing its chapters in
kernels of their own (``kernels``, ``build``), comparing them with the published outputs
(``compare``) in the two tiers of ``check``, gluing a chapter's figures with the runs behind them
and reading glued values back (``glue``), the appendix's provenance tables (``provenance``),
papermill's parameters read and checked by name (``parameters``), each chapter's page and its
re-run box (``page``, ``rerun``), the bibliography's labels (``citations``) and the release on
the PDF's title page (``release``). The command line, the chapters and the Sphinx extensions in
book/_ext use it; the library never imports it."""
