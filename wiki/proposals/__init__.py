"""The proposals board: every feature proposal, ranked hot, top or new, with filters."""
