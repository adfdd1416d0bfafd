"""Who spoke when: offline diarization (pipeline), its turns, and their assignment to words."""

LOADING_STEP = "loading speaker models"  # the progress hook's step while the pipeline is built, before pyannote's own
