"""The main window's parts, one job each: file commands, exports, run controls, breakpoints,
view and tutorial actions, docks and layout, menus, help. :mod:`gui.main_window` assembles them."""
