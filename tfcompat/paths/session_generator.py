"""SESSION_GENERATOR: ``get_next()`` built once in the session's graph, run by a locked
generator bound to that graph and session (the seed's fit_generator code, made thread-safe)."""
from tfcompat.paths.base import FeedingPath, Path, need


class SessionGenerator(Path):
    name = FeedingPath.SESSION_GENERATOR
    summary = "locked generator running get_next() in the captured graph and session"

    def _refuses(self, runtime):
        return need("sessions", runtime)
