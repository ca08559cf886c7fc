"""The network drawing's parts: geometry, hit-testing, values and tooltips (no Qt), and the items
drawn from them (edges, nodes, captions, overlays, check marks, colour bar, header)."""
