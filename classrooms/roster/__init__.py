"""School rosters: reading the uploaded files (parsing), the blank files to fill in
(templates), and importing them (importing, jobs)."""
