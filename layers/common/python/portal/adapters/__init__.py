"""Adapters: the only code that talks to technology (DynamoDB, SES, KMS, ASPIRE over SQL Server or SQLite)."""
