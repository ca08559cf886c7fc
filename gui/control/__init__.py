"""The parts the one :class:`gui.controller.SessionController` is made of: its session core
(cursor, runs, files), the run worker, the check job, tutorial replay and walkthrough recording.
Views use the controller; of these they see only the read-only :class:`replay.TutorialState`."""
