"""
A bulk job over many ad accounts, spread over arq worker processes that share one Redis.
"""
