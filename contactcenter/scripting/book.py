"""All the scripts, and which one a call gets.

A call from an outbound campaign gets the script that lists the campaign; any
other call gets the script that lists its queue; a call that neither claims
gets the default script (``default: true``), or none. A queue or a campaign
belongs to one script only, and there is at most one default: anything else
would leave the choice to file order, which nobody reads.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from contactcenter.scripting.checks import error
from contactcenter.scripting.model import Script


@dataclass(frozen=True, slots=True)
class ScriptBook:
    """Scripts by name, and the queues and campaigns they claim."""

    scripts: Mapping[str, Script] = field(default_factory=dict)
    default: Script | None = None
    by_queue: Mapping[str, Script] = field(default_factory=dict)
    by_campaign: Mapping[str, Script] = field(default_factory=dict)

    @classmethod
    def of(cls, scripts: Iterable[Script]) -> ScriptBook:
        """A book of scripts; ConfigError for a name, queue, campaign or default claimed twice."""
        named: dict[str, Script] = {}
        default: Script | None = None
        for script in scripts:
            if script.name in named:
                raise error(script, (), f"a script named {script.name!r} is already defined")
            named[script.name] = script
            if script.default:
                if default is not None:
                    raise error(script, ("default",),
                                f"script {default.name!r} is already the default")
                default = script
        return cls(scripts=named, default=default,
                   by_queue=_claims(named.values(), "queues"),
                   by_campaign=_claims(named.values(), "campaigns"))

    def __len__(self) -> int:
        return len(self.scripts)

    def __iter__(self) -> Iterator[str]:
        return iter(self.scripts)

    def __contains__(self, name: object) -> bool:
        return name in self.scripts

    def __getitem__(self, name: str) -> Script:
        return self.scripts[name]

    def for_queue(self, queue: str | None) -> Script | None:
        """The script for a call from ``queue``: the one listing it, else the default."""
        if queue is not None and queue in self.by_queue:
            return self.by_queue[queue]
        return self.default

    def for_campaign(self, campaign: str | None) -> Script | None:
        """The script for a call of ``campaign``: the one listing it, else the default."""
        if campaign is not None and campaign in self.by_campaign:
            return self.by_campaign[campaign]
        return self.default

    def select(self, *, queue: str | None = None, campaign: str | None = None) -> Script | None:
        """The script for a call: its campaign's, else its queue's, else the default."""
        if campaign is not None and campaign in self.by_campaign:
            return self.by_campaign[campaign]
        return self.for_queue(queue)

    def check_queues(self, known: Collection[str]) -> None:
        """ConfigError if a script lists a queue the ACD does not have (a typo, most likely)."""
        for script in self.scripts.values():
            for index, queue in enumerate(script.queues):
                if queue not in known:
                    have = ", ".join(sorted(known)) or "none"
                    raise error(script, ("queues", index),
                                f"no queue named {queue!r} in the ACD's queues (have: {have})")


def _claims(scripts: Iterable[Script], kind: str) -> dict[str, Script]:
    """Queue (or campaign) -> the one script that lists it."""
    owners: dict[str, Script] = {}
    for script in scripts:
        names = script.queues if kind == "queues" else script.campaigns
        for index, name in enumerate(names):
            owner = owners.get(name)
            if owner is script:
                raise error(script, (kind, index), f"{name!r} is listed twice")
            if owner is not None:
                raise error(script, (kind, index),
                            f"{name!r} already has a script: {owner.name!r}")
            owners[name] = script
    return owners
