"""Run cleanvision on a list of files; called by quality_vs_cleanvision.py in cleanvision's venv.

Usage: python cleanvision_driver.py FILES.json OUT.json N_JOBS
FILES.json holds a list of paths; OUT.json gets {"seconds": s, "issues": {path: [codes]}}.
cleanvision's "light" is reported as "bright", "exact_duplicates"/"near_duplicates" as
"exact_duplicate"/"near_duplicate" so both tools are compared under snapset's codes.
"""

import json
import sys
import time

from cleanvision import Imagelab

NAMES = {
    "blurry": "blurry",
    "dark": "dark",
    "light": "bright",
    "low_information": "low_information",
    "grayscale": "grayscale",
    "odd_aspect_ratio": "odd_aspect_ratio",
    "exact_duplicates": "exact_duplicate",
    "near_duplicates": "near_duplicate",
}


def main() -> None:
    with open(sys.argv[1]) as handle:
        files = json.load(handle)
    n_jobs = int(sys.argv[3])
    started = time.perf_counter()
    lab = Imagelab(filepaths=files)
    lab.find_issues(n_jobs=n_jobs, verbose=False)
    seconds = time.perf_counter() - started
    frame = lab.issues
    found = {path: [] for path in files}
    for theirs, ours in NAMES.items():
        column = f"is_{theirs}_issue"
        if column not in frame.columns:
            continue
        for path, flagged in frame[column].items():
            if bool(flagged):
                found[str(path)].append(ours)
    with open(sys.argv[2], "w") as handle:
        json.dump({"seconds": seconds, "issues": found}, handle)


if __name__ == "__main__":
    main()
