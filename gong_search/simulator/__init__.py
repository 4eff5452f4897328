"""A local stand-in for Gong's REST API v2, for tests, demos and benchmarks.

``Simulator`` serves a ``SyntheticTenant`` (deterministic, lazily generated sales calls with
intent labels) or a ``RecordedTenant`` (JSON files) over real HTTP on 127.0.0.1, with
Gong's paging, errors, quotas and processing lag, plus fault injection for reliability tests.
"""

from .language import INTENTS
from .recorded import RecordedTenant, dump_tenant
from .server import Simulator, SimulatorConfig, serve
from .tenant import SyntheticTenant

__all__ = [
    "INTENTS",
    "RecordedTenant",
    "Simulator",
    "SimulatorConfig",
    "SyntheticTenant",
    "dump_tenant",
    "serve",
]
