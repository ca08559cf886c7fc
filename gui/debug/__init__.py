"""The window side of debugging the learner's own program: File > Debug My Code (action, busy
indicator, error dialog, file watch) and the "Your Code" dock that steps through its lines. The
controller runs the debug and holds the line cursor; these only ask, show and forward."""
