"""AWS CDK app of the Customer Portal: one stack (`stack.py`) composed of one construct per concern."""
