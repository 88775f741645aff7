"""The Ray driver of `ftsim mc --ray ADDRESS`: connects to a Ray cluster, runs ranges of
replication indices as Ray tasks, each running the shipped ftsim binary's hidden `mc-batch`
command on a worker, and streams the rows back to ftsim as JSON lines.

ftsim embeds these files, writes them to a private temporary directory and runs
`python -m ftsim_ray` with the live virtualenv's Python (Ray pinned there). The protocol
(stdin requests, stdout events) is in protocol.py; the task in task.py needs nothing but the
standard library, so that Ray ships it by value and the workers need no copy of this package.
"""
