"""Dashboard views, one module per area; thin: parse, call one service, render."""
