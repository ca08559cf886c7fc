"""The parts the one :class:`gui.controller.SessionController` is made of: the run worker, the
check job, tutorial replay and walkthrough recording. Views never import these."""
