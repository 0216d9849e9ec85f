"""The gcaldav application: the command line (``cli``), the server that puts the Radicale
plugin and the web routes together (``server``), and the web routes (``web``)."""
