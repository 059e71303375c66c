"""End-user identity: passwords, users, sessions, MFA (email codes, authenticator apps), enrollment, recovery.

Import from the modules (`portal.services.identity.sessions`, ...): this package imports nothing itself, so
the authorizer, which needs only sessions, does not pay at cold start for argon2, pyotp or segno.
"""
