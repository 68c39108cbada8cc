"""pytest options of the pal benchmark suite. Its instances are pal bench's
(`pal bench --list --json`, read by workloads.py from $PAL_BIN, else build/pal).

--pal-quick (or PAL_BENCH_QUICK=1)  the reduced sweep, as `pal bench --quick`
--pal-hot   (or PAL_BENCH_HOT=1)    one working set back to back (hot cache);
                                    default: cold, rotating working sets that
                                    together exceed 3 x the last-level cache
--pal-plan FILE (or PAL_BENCH_PLAN)  size every test by a plan that
                                    `pal bench --plan-only --plan-for python`
                                    wrote (scripts/benchmarks.sh --budget):
                                    repetitions, calls per repetition and
                                    warm-up from the plan; an instance the
                                    plan lacks or dropped is skipped with the
                                    reason, and the reasons are written into
                                    the JSON as "pal_plan"
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
    group.addoption("--pal-plan", default=os.environ.get("PAL_BENCH_PLAN"), metavar="FILE",
                    help="size the tests by this plan (pal bench --plan-only --plan-for python)")


def pytest_configure(config):
    import workloads

    workloads.QUICK = config.getoption("--pal-quick") or os.environ.get("PAL_BENCH_QUICK") == "1"
    workloads.HOT = config.getoption("--pal-hot") or os.environ.get("PAL_BENCH_HOT") == "1"
    if config.getoption("--pal-plan"):
        workloads.load_plan(config.getoption("--pal-plan"))


def pytest_benchmark_update_json(config, benchmarks, output_json):
    """The plan's budget and every test it skipped, with the reason (the
    counterpart of the context keys budget_s, plan and dropped in pal bench's
    files), so a plot with a missing point says why."""
    import workloads

    if workloads.PLAN is not None:
        output_json["pal_plan"] = workloads.plan_summary()
