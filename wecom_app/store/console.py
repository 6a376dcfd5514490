"""Console tables (issue 3): what the admin console needs beyond the directory."""
