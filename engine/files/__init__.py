"""Files: sessions, data, traces, walkthroughs, built-in examples, atomic writes."""
