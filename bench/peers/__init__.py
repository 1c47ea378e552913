"""The programs measured beside dumpling, each run as a script in a process of its own."""
