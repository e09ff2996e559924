"""valuecenter: turn a customer-service department from a cost center into a profit center."""

__version__ = "0.1.0"
