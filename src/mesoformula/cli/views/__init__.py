"""Renderers for people: text, Markdown and printable HTML of the core results."""
