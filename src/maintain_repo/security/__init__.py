"""Security findings from scanners: each format read into observations (`formats`),
their severity (`severity`) and identity (`identity`), and imported into finding
records (`engine.findings_import`)."""
