"""DynamoDB adapters: table definitions, key builders and repositories."""
