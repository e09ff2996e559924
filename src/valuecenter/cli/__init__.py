"""The command-line front door (Typer): thin commands over the domain services."""
