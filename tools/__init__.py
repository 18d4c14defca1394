"""The course authors' tools: notebook execution, navigation, student versions, the site.

They run from the repository's root (``python -m tools.notebooks``, ``python -m tools.site``)
and are not installed with :mod:`course_utils`: a learner's notebook never needs them.
"""
