"""Multi-step dialogs (register, report, correct) and the small engine that runs them."""
