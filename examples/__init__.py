"""
Runnable examples; a package so that their modules import as ``examples.<name>``.
"""
