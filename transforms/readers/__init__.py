"""One module per dump format, each a generator of records read from a binary stream.

`transforms.formats` registers them, recognises formats by content and opens files.
"""
