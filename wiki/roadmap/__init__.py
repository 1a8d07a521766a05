"""The public roadmap: planned, in progress and recently shipped proposals."""
