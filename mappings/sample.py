"""The learner sample of the auditor's dossier: chosen here, with a seed, so that it can be reproduced.

An auditor samples learner files; the dossier prepares a few per programme. The choice is a pure function
of the seed, the programme and the learners: the same inputs give the same sample, and a learner who joins
does not reshuffle the others (each learner's rank is a hash of seed, programme and user id).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def sample_learners(programme: str, user_ids: Iterable[int], size: int, seed: int) -> tuple[int, ...]:
    def rank(uid: int) -> str:
        return hashlib.sha256(f"{seed}:{programme}:{uid}".encode()).hexdigest()

    return tuple(sorted(sorted(set(user_ids), key=rank)[:max(size, 0)]))
