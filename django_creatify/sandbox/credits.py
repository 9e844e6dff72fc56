"""The account's credit balance: ``GET /api/remaining_credits/`` and what creates charge.

Each create, preview and render is charged, when Creatify accepts it, the price the job's
``credits_used`` will show once that step is done (a render: its own part only). A step
that ends ``failed`` or ``rejected`` shows ``credits_used`` 0, so its charge is given back
(Creatify refunds failed Aurora videos; the sandbox does so for every family, to keep the
balance and ``credits_used`` telling one story). A create that costs more than is left is
refused before anything is stored: 400 ``{"detail": "Insufficient credits: ..."}``.
Creatify names an "insufficient credits" error but not its status; 400 is how its
DRF-style API answers every other refused create, so a client needs no new case.

Setting the balance settles everything charged so far: the new figure is what is left.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .jobs import PREVIEW, RENDER, Job
from .state import JobStore
from .timeline import ACTIVE_STATUSES, FAILED, REJECTED

# Enough that no test or demo runs out unless it sets a balance to see that happen.
DEFAULT_CREDITS = 100_000.0


def step_price(job: Job, stage: str | None = None) -> float:
    """What the job's step (its current one by default) adds to ``credits_used`` once
    done; a preview's render keeps the length, hence the price, the preview had."""
    family, seconds = job.family, job.plan.profile.video_seconds
    stage = stage or job.stage
    price = family.credits(job.fields, seconds, stage, True)
    if stage == RENDER:
        price -= family.credits(job.fields, seconds, PREVIEW, True)
    return float(price)


@dataclass(slots=True)
class Ledger:
    balance: float = DEFAULT_CREDITS
    # (job id, the job's generation when charged, amount)
    charges: list[tuple[str, int, float]] = field(default_factory=list)

    def set(self, balance: float) -> None:
        self.balance = float(balance)
        self.charges.clear()

    def charge(self, job: Job, amount: float) -> None:
        self.charges.append((job.id, job.generation, amount))

    def remaining(self, store: JobStore) -> float:
        now = store.clock.now()
        # Settle every step that has ended, so the list holds only the unfinished ones
        # and a long run of creates does not make each balance read slower.
        unfinished = []
        for charge in self.charges:
            job_id, generation, amount = charge
            if job_id in store and store.get(job_id).generation == generation:
                status = store.get(job_id).plan.state_at(now).status
                if status in ACTIVE_STATUSES:
                    unfinished.append(charge)
                    continue
                if status in (FAILED, REJECTED):
                    continue  # given back
            self.balance -= amount
        self.charges = unfinished
        spent = sum(amount for _, _, amount in unfinished)
        # Prices like 0.7 credits a second leave float dust; Creatify's figure is a double.
        return round(self.balance - spent, 6)

    def refusal(self, store: JobStore, price: float) -> str | None:
        """Why a step of ``price`` cannot be paid for, or None."""
        left = self.remaining(store)
        if price > left:
            return f"Insufficient credits: this job needs {price:g} and {left:g} are left."
        return None
