"""What one running web app holds for its lifetime: the store, the searcher (so the model
loads once), templates, sessions, the login throttle, the upload queue and the tagger's
background jobs."""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment

from evidencia.search.modes import Searcher
from evidencia.store.db import Store
from evidencia.web.security import LoginThrottle, Sessions
from evidencia.web.tagger_jobs import TaggerJobs
from evidencia.web.uploads import UploadQueue


@dataclass
class WebState:
    store: Store
    searcher: Searcher
    templates: Environment
    sessions: Sessions
    throttle: LoginThrottle
    uploads: UploadQueue
    tagger: TaggerJobs
