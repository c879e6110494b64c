package store

// DSN is dsn for the benchmarks of package store_test: their raw SQLite
// baselines must open a file with exactly the settings the store uses, not
// a copy of them that could drift.
var DSN = dsn
