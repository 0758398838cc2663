"""Call recordings: where their files are, who may hear one, the signed links that play
them, and how long they are kept (docs/recordings.md)."""

from contactcenter.recordings.access import RecordedCall, may_hear
from contactcenter.recordings.store import RecordingStore, recordings_folder
from contactcenter.recordings.tokens import PlayLinks

__all__ = ["PlayLinks", "RecordedCall", "RecordingStore", "may_hear", "recordings_folder"]
