-- The ASPIRE integration surface: every table (in production: view) the Customer Portal reads or writes.
--
-- ASPIRE's own schema is proprietary. In production the DBA creates views (and, for AlternateEft/EftBatch, the
-- write path) in schema dbo with exactly these names and columns over the ASPIRE tables. This file is the one
-- definition of that shape: the demo/test databases are created from it (SQLite, through transpile.ddl_to_sqlite)
-- and docs/aspire-integration.md documents it column by column.
--
-- Conventions
--   * Every table carries RowVer rowversion: SQL Server's database-wide change counter, the sync watermark.
--   * Money is decimal(18,2); rates decimal(9,6); dates are date; instants are datetime2 in UTC.
--   * Email columns are nvarchar(400) and may hold several addresses separated by ',' or ';'.
--   * Rows can be hard-deleted in ASPIRE; the portal reconciles deletions daily by key sets (keys_* queries).
--   * Written in plain T-SQL that sqlglot can read: no CLUSTERED/NONCLUSTERED keywords, no GO separators.

CREATE TABLE dbo.AspireVersion (
    VersionNumber varchar(20) NOT NULL PRIMARY KEY,
    RowVer rowversion NOT NULL
);

CREATE TABLE dbo.Account (
    AccountId varchar(20) NOT NULL PRIMARY KEY,
    Name nvarchar(200) NOT NULL,
    AccountType varchar(20) NOT NULL CONSTRAINT CK_Account_AccountType CHECK (AccountType IN ('Business', 'Individual')),
    Email nvarchar(400) NULL,
    Phone varchar(30) NULL,
    RowVer rowversion NOT NULL
);
CREATE INDEX IX_Account_RowVer ON dbo.Account (RowVer);

CREATE TABLE dbo.Contact (
    ContactId varchar(20) NOT NULL PRIMARY KEY,
    AccountId varchar(20) NOT NULL CONSTRAINT FK_Contact_Account REFERENCES dbo.Account (AccountId),
    FirstName nvarchar(100) NOT NULL,
    LastName nvarchar(100) NOT NULL,
    Email nvarchar(400) NULL,
    Phone varchar(30) NULL,
    RowVer rowversion NOT NULL
);
CREATE INDEX IX_Contact_RowVer ON dbo.Contact (RowVer);
CREATE INDEX IX_Contact_AccountId ON dbo.Contact (AccountId);

CREATE TABLE dbo.Location (
    LocationId varchar(20) NOT NULL PRIMARY KEY,
    AccountId varchar(20) NOT NULL CONSTRAINT FK_Location_Account REFERENCES dbo.Account (AccountId),
    LocationType varchar(20) NOT NULL CONSTRAINT CK_Location_LocationType CHECK (LocationType IN ('BillTo', 'Equipment')),
    Address1 nvarchar(200) NOT NULL,
    City nvarchar(100) NOT NULL,
    StateProvince varchar(10) NOT NULL,
    PostalCode varchar(20) NOT NULL,
    Country char(2) NOT NULL CONSTRAINT CK_Location_Country CHECK (Country IN ('US', 'CA')),
    Email nvarchar(400) NULL,
    RowVer rowversion NOT NULL
);
CREATE INDEX IX_Location_RowVer ON dbo.Location (RowVer);
CREATE INDEX IX_Location_AccountId ON dbo.Location (AccountId);

CREATE TABLE dbo.Contract (
    ContractId varchar(20) NOT NULL PRIMARY KEY,
    PrivateLabel nvarchar(50) NULL,
    IsBooked bit NOT NULL,
    IsTerminated bit NOT NULL,
    TerminationDate date NULL,
    CommencementDate date NULL,
    MaturityDate date NULL,
    TermMonths int NOT NULL,
    PaymentAmount decimal(18, 2) NOT NULL,
    PaymentFrequency varchar(20) NOT NULL
        CONSTRAINT CK_Contract_PaymentFrequency CHECK (PaymentFrequency IN ('Monthly', 'Quarterly', 'SemiAnnual', 'Annual')),
    NextDueDate date NULL,
    NextDueAmount decimal(18, 2) NULL,
    PastDueAmount decimal(18, 2) NOT NULL,
    BillToLocationId varchar(20) NULL CONSTRAINT FK_Contract_BillTo REFERENCES dbo.Location (LocationId),
    RowVer rowversion NOT NULL
);
CREATE INDEX IX_Contract_RowVer ON dbo.Contract (RowVer);

CREATE TABLE dbo.ContractFinancial (
    ContractId varchar(20) NOT NULL PRIMARY KEY CONSTRAINT FK_ContractFinancial_Contract REFERENCES dbo.Contract (ContractId),
    ContractType varchar(20) NOT NULL
        CONSTRAINT CK_ContractFinancial_ContractType CHECK (ContractType IN ('OperatingLease', 'CapitalLease', 'Loan')),
    OriginalCost decimal(18, 2) NOT NULL,
    FinancedAmount decimal(18, 2) NOT NULL,
    PrincipalBalance decimal(18, 2) NOT NULL,
    InterestRate decimal(9, 6) NOT NULL,
    PrincipalPaidToDate decimal(18, 2) NOT NULL,
    InterestPaidToDate decimal(18, 2) NOT NULL,
    PayoffAmount decimal(18, 2) NULL,
    RowVer rowversion NOT NULL
);
CREATE INDEX IX_ContractFinancial_RowVer ON dbo.ContractFinancial (RowVer);

CREATE TABLE dbo.ContractRole (
    ContractRoleId int NOT NULL PRIMARY KEY,
    ContractId varchar(20) NOT NULL CONSTRAINT FK_ContractRole_Contract REFERENCES dbo.Contract (ContractId),
    AccountId varchar(20) NOT NULL CONSTRAINT FK_ContractRole_Account REFERENCES dbo.Account (AccountId),
    RoleType varchar(20) NOT NULL
        CONSTRAINT CK_ContractRole_RoleType CHECK (RoleType IN ('Customer', 'Guarantor', 'Vendor', 'Broker', 'CoLessee')),
    RowVer rowversion NOT NULL
);
CREATE INDEX IX_ContractRole_RowVer ON dbo.ContractRole (RowVer);
CREATE INDEX IX_ContractRole_ContractId ON dbo.ContractRole (ContractId);
CREATE INDEX IX_ContractRole_AccountId ON dbo.ContractRole (AccountId);

CREATE TABLE dbo.Invoice (
    InvoiceId int NOT NULL PRIMARY KEY,
    ContractId varchar(20) NOT NULL CONSTRAINT FK_Invoice_Contract REFERENCES dbo.Contract (ContractId),
    InvoiceNumber varchar(20) NOT NULL,
    InvoiceDate date NOT NULL,
    DueDate date NOT NULL,
    Amount decimal(18, 2) NOT NULL,
    Balance decimal(18, 2) NOT NULL,
    Status varchar(10) NOT NULL CONSTRAINT CK_Invoice_Status CHECK (Status IN ('Open', 'Paid')),
    RowVer rowversion NOT NULL
);
CREATE INDEX IX_Invoice_RowVer ON dbo.Invoice (RowVer);
CREATE INDEX IX_Invoice_ContractId ON dbo.Invoice (ContractId);

CREATE TABLE dbo.AmortizationSchedule (
    ContractId varchar(20) NOT NULL CONSTRAINT FK_AmortizationSchedule_Contract REFERENCES dbo.Contract (ContractId),
    PaymentNumber int NOT NULL,
    DueDate date NOT NULL,
    PaymentAmount decimal(18, 2) NOT NULL,
    Principal decimal(18, 2) NOT NULL,
    Interest decimal(18, 2) NOT NULL,
    EndingBalance decimal(18, 2) NOT NULL,
    RowVer rowversion NOT NULL,
    CONSTRAINT PK_AmortizationSchedule PRIMARY KEY (ContractId, PaymentNumber)
);
CREATE INDEX IX_AmortizationSchedule_RowVer ON dbo.AmortizationSchedule (RowVer);

CREATE TABLE dbo.LineOfCredit (
    LineOfCreditId varchar(20) NOT NULL PRIMARY KEY,
    AccountId varchar(20) NOT NULL CONSTRAINT FK_LineOfCredit_Account REFERENCES dbo.Account (AccountId),
    PrivateLabel nvarchar(50) NULL,
    CreditLimit decimal(18, 2) NOT NULL,
    UsedAmount decimal(18, 2) NOT NULL,
    Status varchar(10) NOT NULL CONSTRAINT CK_LineOfCredit_Status CHECK (Status IN ('Active', 'Closed')),
    RowVer rowversion NOT NULL
);
CREATE INDEX IX_LineOfCredit_RowVer ON dbo.LineOfCredit (RowVer);

CREATE TABLE dbo.Asset (
    AssetId int NOT NULL PRIMARY KEY,
    ContractId varchar(20) NOT NULL CONSTRAINT FK_Asset_Contract REFERENCES dbo.Contract (ContractId),
    Description nvarchar(200) NOT NULL,
    Manufacturer nvarchar(100) NOT NULL,
    Model nvarchar(100) NOT NULL,
    ModelYear smallint NULL,
    SerialNumber nvarchar(50) NULL,
    RowVer rowversion NOT NULL
);
CREATE INDEX IX_Asset_RowVer ON dbo.Asset (RowVer);
CREATE INDEX IX_Asset_ContractId ON dbo.Asset (ContractId);

CREATE TABLE dbo.BankAccount (
    BankAccountId int NOT NULL PRIMARY KEY,
    AccountId varchar(20) NOT NULL CONSTRAINT FK_BankAccount_Account REFERENCES dbo.Account (AccountId),
    HolderName nvarchar(200) NOT NULL,
    RoutingNumber char(9) NOT NULL,
    AccountNumber varchar(17) NOT NULL,
    AccountType varchar(10) NOT NULL CONSTRAINT CK_BankAccount_AccountType CHECK (AccountType IN ('Checking', 'Savings')),
    OwnerType varchar(10) NOT NULL CONSTRAINT CK_BankAccount_OwnerType CHECK (OwnerType IN ('Personal', 'Business')),
    RowVer rowversion NOT NULL
);
CREATE INDEX IX_BankAccount_RowVer ON dbo.BankAccount (RowVer);
CREATE INDEX IX_BankAccount_AccountId ON dbo.BankAccount (AccountId);

CREATE TABLE dbo.EftBatch (
    EftBatchId int IDENTITY(1, 1) NOT NULL PRIMARY KEY,
    GeneratedAt datetime2 NOT NULL,
    PostedAt datetime2 NULL,
    RowVer rowversion NOT NULL
);
CREATE INDEX IX_EftBatch_RowVer ON dbo.EftBatch (RowVer);

CREATE TABLE dbo.AlternateEft (
    AlternateEftId int IDENTITY(1, 1) NOT NULL PRIMARY KEY,
    ContractId varchar(20) NOT NULL CONSTRAINT FK_AlternateEft_Contract REFERENCES dbo.Contract (ContractId),
    AccountId varchar(20) NOT NULL CONSTRAINT FK_AlternateEft_Account REFERENCES dbo.Account (AccountId),
    PaymentDate date NOT NULL,
    Amount decimal(18, 2) NOT NULL,
    RoutingNumber char(9) NOT NULL,
    AccountNumber varchar(17) NOT NULL,
    AccountType varchar(10) NOT NULL CONSTRAINT CK_AlternateEft_AccountType CHECK (AccountType IN ('Checking', 'Savings')),
    SecCode char(3) NOT NULL CONSTRAINT CK_AlternateEft_SecCode CHECK (SecCode IN ('WEB', 'CCD')),
    -- The portal's payment id: the uniqueness guard that makes the ASPIRE write idempotent.
    PortalPaymentId varchar(40) NOT NULL CONSTRAINT UQ_AlternateEft_PortalPaymentId UNIQUE,
    Status varchar(10) NOT NULL CONSTRAINT CK_AlternateEft_Status CHECK (Status IN ('Pending', 'Processed', 'Canceled')),
    EftBatchId int NULL CONSTRAINT FK_AlternateEft_EftBatch REFERENCES dbo.EftBatch (EftBatchId),
    CreatedAt datetime2 NOT NULL CONSTRAINT DF_AlternateEft_CreatedAt DEFAULT SYSUTCDATETIME(),
    RowVer rowversion NOT NULL
);
CREATE INDEX IX_AlternateEft_RowVer ON dbo.AlternateEft (RowVer);
CREATE INDEX IX_AlternateEft_EftBatchId ON dbo.AlternateEft (EftBatchId);

-- Restore marker (docs/aspire-integration.md "Restore detection"): the DBA's restore runbook sets LastRestoreAt
-- (UTC) as its last step after restoring this database. The sync compares it with the value it saw at its last
-- successful run; it reads msdb.dbo.restorehistory first when its login may, and this table otherwise.
-- One row at most (MarkerId 1); no row: never restored since the portal was connected.
CREATE TABLE dbo.PortalRestoreMarker (
    MarkerId int NOT NULL PRIMARY KEY CONSTRAINT CK_PortalRestoreMarker_One CHECK (MarkerId = 1),
    LastRestoreAt datetime2 NOT NULL
);
