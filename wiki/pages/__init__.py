"""Pages of four kinds, their revisions, links, tags and talk."""
