"""What a knowledge-base search says about answering: calibrated scores and one threshold.

Every :class:`~app.domain.messages.Passage` a :class:`~app.ports.knowledge.KnowledgeBase`
returns carries a *calibrated* ``score`` in [0, 1]: the adapter's estimate that this passage
answers the question, fitted per backend and per embedding model on the evaluation set in
``tests/retrieval/``. Scores are comparable across backends, so one threshold decides for
all of them: the best passage answers the question when its score is at least
:data:`ANSWER_THRESHOLD`; below it (or with no passage at all) nothing in the knowledge base
answers and the customer gets the business's fallback (say so, offer a human).
"""

from __future__ import annotations

from collections.abc import Sequence

from app.domain.messages import Passage

ANSWER_THRESHOLD = 0.5


def answers(passages: Sequence[Passage], threshold: float = ANSWER_THRESHOLD) -> bool:
    """Whether the best passage (the first one) answers the question."""
    return bool(passages) and passages[0].score >= threshold
