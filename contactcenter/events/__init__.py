"""The platform's domain vocabulary: the catalogue of the events it publishes."""

from contactcenter.events.catalogue import CATALOGUE, SPECS, Checker, EventSpec, markdown_table

__all__ = ["CATALOGUE", "SPECS", "Checker", "EventSpec", "markdown_table"]
