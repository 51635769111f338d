//! End-to-end pipelines.
