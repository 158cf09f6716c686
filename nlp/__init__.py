"""Community Voice NLP: framework-free tagging of residents' open text.

Plain Python in, plain Python out. This package never imports Flask or ``voice``.
"""
