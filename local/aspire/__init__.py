"""The laptop's ASPIRE: a seeded SQLite file (seed), the demo sites and personas (personas), and an activity
simulator (simulator) that books, terminates and relabels contracts, runs EFT batches and restores snapshots."""
