"""Demo text written for the demo by the project (fictional residents, places and numbers).

Each language module defines ``SENTENCES`` (code key -> first-person sentences a resident might
say) and ``CHANGE_WISHES`` (short answers to "What one change would help your family most?").
"""
