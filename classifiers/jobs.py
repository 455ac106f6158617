"""Jobs of the classifiers (run by RQ workers or the embedded queue; ids in, safe to re-run)."""
from __future__ import annotations


def retrain(run_id: int) -> str:
    """One retraining run: candidate on the base set + stored examples, promoted if not worse."""
    from classifiers.learning.flows import run_retraining

    return run_retraining(run_id)
