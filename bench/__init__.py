"""`make bench`: speed, capacity and answer quality of the assistant, measured against simple baselines.

`python -m bench --help` lists the options; results go to bench/results/ (git-ignored).
"""
