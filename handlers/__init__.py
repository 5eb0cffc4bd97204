"""Turn one incoming event into replies: commands, questions, group commands, scheduled pushes."""
