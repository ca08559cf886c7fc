"""The window side of checking the learner's code and of teaching mode: File > Check my code
(actions, dialog, busy indicator, result dock) and Debug > Teaching Mode. The controller runs
the check; these only ask, show and forward."""
