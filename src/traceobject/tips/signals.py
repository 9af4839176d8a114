"""What triage announces to the apps built on it, without knowing them.

The clues app recomputes the country estimates of the objects concerned: its receiver is
connected in ``CluesConfig.ready()`` (see :mod:`traceobject.evidence.signals`). Sent inside
the transaction that changed the tips.
"""

from __future__ import annotations

from django.dispatch import Signal

#: Tips of these objects were opened, or changed state or cluster: what the objects'
#: estimates count changed. Arguments: ``object_ids`` (set[int]).
tips_changed = Signal()

#: A tipster's answer was opened into the conversation of its tip (routing adds it to the
#: packages the tip was forwarded in). Arguments: ``message`` (tips.models.TipMessage).
tip_answer_opened = Signal()

#: The retention purge emptied the conversations of these closed tips (the tipsters' answers):
#: copies made of them elsewhere go too (routing's package updates). Arguments: ``tip_ids``
#: (list[int]).
tip_messages_purged = Signal()
