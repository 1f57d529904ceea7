"""The demo organisation (``cxq demo``): people, scorecards, interactions with audio, evaluations and
calibration sessions, each loaded idempotently by the module named after the app it fills."""
