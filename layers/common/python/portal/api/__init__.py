"""HTTP transport shared by the API functions: resolver factory, error mapping, auth context, route table."""
