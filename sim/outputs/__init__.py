"""What runs leave behind and show: row files, results directories, tables, timelines
and pictures."""
