"""Reference apps and peers the bench scripts measure ccsess against."""
