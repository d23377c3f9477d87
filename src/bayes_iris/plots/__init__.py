"""plots subpackage."""
