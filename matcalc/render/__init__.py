"""Renderers: matcalc input syntax, text, LaTeX, Markdown, JSON, DOT; they read Step fields only."""
