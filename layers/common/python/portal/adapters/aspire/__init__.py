"""ASPIRE integration: the T-SQL surface (ddl.sql, queries.py), the AspireSource port and its two adapters.

Import the adapters from their modules (``portal.adapters.aspire.mssql`` / ``.sqlite``) so code that only needs
one does not load the other's driver.
"""
