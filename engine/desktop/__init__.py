"""Gradstep as a desktop application, by the freedesktop.org specifications: the menu entry,
the icon, Gradstep's own MIME types and the desktop's recent files. Qt-free."""
