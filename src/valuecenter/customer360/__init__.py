"""The customer 360 read model (features layer): one customer from every domain."""
