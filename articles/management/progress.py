"""Progress bars for management commands, quiet at --verbosity 0."""

from tqdm import tqdm

# No monitor thread: a command's import forks a reader, and a fork is safe only with one thread
# (importing.py); the monitor only shortens the redraw interval of a bar left idle.
tqdm.monitor_interval = 0


def progress_bar(command, total, description):
    return tqdm(
        total=total,
        desc=description,
        unit="release",
        # The raw stream: Django's OutputWrapper would end each redraw with a newline.
        file=command.stderr._out,
        disable=command.verbosity == 0,
        dynamic_ncols=True,
    )
