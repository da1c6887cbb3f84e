"""The prerequisite cycle guard.

The guard is the last line of defence: no code path can store a prerequisite cycle.

Forms and the loader check first and show friendly errors; this catches the shell,
scripts and anything else that adds prerequisites directly.
"""

from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from roadmap.models import LearningStep


@receiver(m2m_changed, sender=LearningStep.prerequisites.through)
def refuse_prerequisite_cycles(sender, instance, action, reverse, pk_set, **kwargs):
    if action != "pre_add" or not pk_set:
        return
    edges = LearningStep.prerequisite_edges()
    if reverse:
        # instance.unlocks.add(steps): each step now depends on instance.
        for step_id in pk_set:
            edges.setdefault(step_id, set()).add(instance.pk)
    else:
        edges.setdefault(instance.pk, set()).update(pk_set)
    LearningStep.check_prerequisite_edges(edges)
