"""The city's map: county boundaries matched to units, and orders with coordinates."""
