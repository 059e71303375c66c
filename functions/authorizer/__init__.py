"""Lambda function package (handler: app.handler)."""
