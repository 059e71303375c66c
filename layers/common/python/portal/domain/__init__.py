"""Pure domain rules and models of the Customer Portal: no AWS, SQL or HTTP here.

Import the rules from their modules (``from portal.domain.visibility import contract_visible_to``). This package
re-exports nothing on purpose: importing ``portal.domain.errors`` must not load every rule module (enrollment,
linkability, bank, ...) into a function that needs none of them -- each module costs cold-start time.
"""
