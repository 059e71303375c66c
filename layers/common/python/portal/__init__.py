"""Customer Portal: shared code carried by the Lambda layer."""
