"""Channel adapters: every door of the centre turned into one normalised intake."""
