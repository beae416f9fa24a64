"""The one error every reader raises on bad input: it names the file and the place."""

from __future__ import annotations

from pathlib import Path


class FormatError(ValueError):
    """Bad dataset input, e.g. `instances.json: annotations[12].bbox: expected 4 numbers`."""

    def __init__(self, file: str | Path, place: str, message: str, *,
                 code: str = "unreadable_annotations") -> None:
        #: The `snapset validate` problem code this error stands for.
        self.code = code
        self.file = str(file)
        self.place = place
        self.message = message
        where = f"{Path(self.file).name}: {place}: " if place else f"{Path(self.file).name}: "
        super().__init__(where + message)
