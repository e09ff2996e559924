"""Next best action: the action catalogue, the decision engine, its log and its models."""
