"""A local emulation of the ScalePad API and the Scout API, with generated data.

Used by the demo (`explorer --demo`), `explorer-cli sandbox`, the tests and the benchmarks.
Standard library only; starts in milliseconds; data is generated on demand from the seed.
"""

from explorer.sandbox.config import API_KEY_PATTERN, SandboxConfig, derive_api_key, parse_rate
from explorer.sandbox.process import SandboxProcess, SandboxStartError, launch_sandbox_process
from explorer.sandbox.runner import serve_from_args
from explorer.sandbox.server import SandboxHandle, SandboxStats, StatsSnapshot, start_sandbox

__all__ = [
    "API_KEY_PATTERN",
    "SandboxConfig",
    "SandboxHandle",
    "SandboxProcess",
    "SandboxStartError",
    "SandboxStats",
    "StatsSnapshot",
    "derive_api_key",
    "launch_sandbox_process",
    "parse_rate",
    "serve_from_args",
    "start_sandbox",
]
