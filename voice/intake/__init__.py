"""The intake core that every channel shares: a plain package, not a blueprint.

- ``definition``: a survey's normalised form (questions, choices, labels per language, pages).
- ``expressions``: the XLSForm expression language (relevance, constraints, choice filters).
- ``flow``: which page comes next, what is relevant, what each answer must be.
- ``responses``: a response stored once per client UUID, its answers and its VoiceItems.

The online survey (``voice.resident``), the canvass tablet's sync (``voice.canvass``) and
the demo all store through here; none of them imports another blueprint.
"""
