"""pytest options of the pal benchmark suite.

--pal-quick (or PAL_BENCH_QUICK=1)  the reduced sweep, as `pal bench --quick`
--pal-hot   (or PAL_BENCH_HOT=1)    one working set back to back (hot cache);
                                    default: cold, rotating working sets that
                                    together exceed 3 x the last-level cache
"""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))  # workloads.py


def pytest_addoption(parser):
    group = parser.getgroup("pal")
    group.addoption("--pal-quick", action="store_true", default=False,
                    help="reduced sweep (the values `pal bench --quick` runs)")
    group.addoption("--pal-hot", action="store_true", default=False,
                    help="hot cache: one working set, back to back")


def pytest_configure(config):
    import workloads

    workloads.QUICK = config.getoption("--pal-quick") or os.environ.get("PAL_BENCH_QUICK") == "1"
    workloads.HOT = config.getoption("--pal-hot") or os.environ.get("PAL_BENCH_HOT") == "1"
