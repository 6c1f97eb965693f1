//! Shared nothing: the tests live in `api/`, one binary of modules.
