"""The renewal list: contracts coming up for renewal, scored and sorted into who is worth a call."""
