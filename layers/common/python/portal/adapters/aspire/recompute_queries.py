"""T-SQL the sync uses to rebuild the portal's view of a set of contracts or accounts.

The watermark queries (`changes_*` in queries.py) say WHAT changed; these read the current state of the
contracts and accounts those changes touch, so each portal item is rebuilt from the whole truth instead of
patched from one row. Sets are passed as a fixed list of `IN_LIST_SIZE` parameters (`%(id0)s` ...), padded
by repeating the last id: the statement text stays constant, so SQL Server reuses one plan and SQLite runs it
through the same transpiler.
"""

from __future__ import annotations

from collections.abc import Sequence

IN_LIST_SIZE = 100
_IDS = ", ".join(f"%(id{i})s" for i in range(IN_LIST_SIZE))


def in_list_params(ids: Sequence[str]) -> dict[str, str]:
    if not 0 < len(ids) <= IN_LIST_SIZE:
        raise ValueError(f"between 1 and {IN_LIST_SIZE} ids per statement, got {len(ids)}")
    padded = list(ids) + [ids[-1]] * (IN_LIST_SIZE - len(ids))
    return {f"id{i}": value for i, value in enumerate(padded)}


RECOMPUTE_QUERIES: dict[str, str] = {
    "contracts_by_ids": f"""
SELECT c.ContractId, c.PrivateLabel, c.IsBooked, c.IsTerminated, c.TerminationDate, c.CommencementDate,
       c.MaturityDate, c.TermMonths, c.PaymentAmount, c.PaymentFrequency, c.NextDueDate, c.NextDueAmount,
       c.PastDueAmount, c.BillToLocationId, l.PostalCode AS BillToPostalCode, l.Country AS BillToCountry,
       l.Email AS BillToEmail
FROM dbo.Contract AS c
LEFT JOIN dbo.Location AS l ON l.LocationId = c.BillToLocationId
WHERE c.ContractId IN ({_IDS})""",
    "roles_by_contracts": f"""
SELECT r.ContractRoleId, r.ContractId, r.AccountId, r.RoleType
FROM dbo.ContractRole AS r
WHERE r.ContractId IN ({_IDS})""",
    "financials_by_contracts": f"""
SELECT f.ContractId, f.ContractType, f.OriginalCost, f.FinancedAmount, f.PrincipalBalance, f.InterestRate,
       f.PrincipalPaidToDate, f.InterestPaidToDate, f.PayoffAmount
FROM dbo.ContractFinancial AS f
WHERE f.ContractId IN ({_IDS})""",
    "invoices_by_contracts": f"""
SELECT i.InvoiceId, i.ContractId, i.InvoiceNumber, i.InvoiceDate, i.DueDate, i.Amount, i.Balance, i.Status
FROM dbo.Invoice AS i
WHERE i.ContractId IN ({_IDS})""",
    "amortization_by_contracts": f"""
SELECT s.ContractId, s.PaymentNumber, s.DueDate, s.PaymentAmount, s.Principal, s.Interest, s.EndingBalance
FROM dbo.AmortizationSchedule AS s
WHERE s.ContractId IN ({_IDS})""",
    "assets_by_contracts": f"""
SELECT a.AssetId, a.ContractId, a.Description, a.Manufacturer, a.Model, a.ModelYear, a.SerialNumber
FROM dbo.Asset AS a
WHERE a.ContractId IN ({_IDS})""",
    "efts_by_contracts": f"""
SELECT e.AlternateEftId, e.ContractId, e.AccountId, e.PaymentDate, e.Amount, e.SecCode, e.PortalPaymentId,
       e.Status, e.EftBatchId, b.GeneratedAt AS EftGeneratedAt, b.PostedAt AS EftPostedAt
FROM dbo.AlternateEft AS e
LEFT JOIN dbo.EftBatch AS b ON b.EftBatchId = e.EftBatchId
WHERE e.ContractId IN ({_IDS})""",
    "contracts_by_bill_to_locations": f"""
SELECT c.ContractId
FROM dbo.Contract AS c
WHERE c.BillToLocationId IN ({_IDS})""",
    "contracts_by_eft_batches": f"""
SELECT DISTINCT e.ContractId
FROM dbo.AlternateEft AS e
WHERE CAST(e.EftBatchId AS VARCHAR(20)) IN ({_IDS})""",
    "accounts_by_ids": f"""
SELECT a.AccountId, a.Name, a.AccountType, a.Email, a.Phone
FROM dbo.Account AS a
WHERE a.AccountId IN ({_IDS})""",
    "contacts_by_accounts": f"""
SELECT c.ContactId, c.AccountId, c.FirstName, c.LastName, c.Email, c.Phone
FROM dbo.Contact AS c
WHERE c.AccountId IN ({_IDS})""",
    "lines_of_credit_by_accounts": f"""
SELECT l.LineOfCreditId, l.AccountId, l.PrivateLabel, l.CreditLimit, l.UsedAmount, l.Status
FROM dbo.LineOfCredit AS l
WHERE l.AccountId IN ({_IDS})""",
    "bank_accounts_by_accounts": f"""
SELECT b.BankAccountId, b.AccountId, b.HolderName, b.RoutingNumber, b.AccountNumber, b.AccountType, b.OwnerType
FROM dbo.BankAccount AS b
WHERE b.AccountId IN ({_IDS})""",
    # Every contract an account holds a role on, with what decides its site and state.
    "roles_by_accounts": f"""
SELECT r.AccountId, r.ContractId, r.RoleType, c.PrivateLabel, c.IsBooked, c.IsTerminated
FROM dbo.ContractRole AS r
JOIN dbo.Contract AS c ON c.ContractId = r.ContractId
WHERE r.AccountId IN ({_IDS})""",
    # Key ranges for the chunked daily/full sync (ordered, streamed).
    "all_contract_ids": "SELECT c.ContractId FROM dbo.Contract AS c ORDER BY c.ContractId",
    "all_account_ids": "SELECT a.AccountId FROM dbo.Account AS a ORDER BY a.AccountId",
    "contract_ids_in_range": """
SELECT c.ContractId FROM dbo.Contract AS c
WHERE c.ContractId >= %(first)s AND c.ContractId <= %(last)s
ORDER BY c.ContractId""",
    "account_ids_in_range": """
SELECT a.AccountId FROM dbo.Account AS a
WHERE a.AccountId >= %(first)s AND a.AccountId <= %(last)s
ORDER BY a.AccountId""",
}
