"""perflib: shared pieces of the perf/ scripts (servers, stats, SVG plots, slow-consumer runs)."""
