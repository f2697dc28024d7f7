"""Memory readings the benchmarks share, from Linux's /proc: a process's peak and current resident set, its
proportional set, and a reset of the peak so one process can measure several sizes in turn."""

from __future__ import annotations

from pathlib import Path


def status_kib(pid: int | str, field: str) -> int:
    """One 'kB' field of /proc/PID/status (VmRSS, VmHWM; PID may be "self"), 0 when the process is gone or has none."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def pss_kib(pid: int) -> int:
    """The process's proportional set size (shared pages divided among their users), 0 when unreadable."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def peak_rss_mib() -> float:
    """This process's peak resident set size in MiB (VmHWM, since the start or the last `reset_peak_rss`)."""
    # Not getrusage first: Linux carries ru_maxrss across exec, so a child would report its parent's peak.
    kib = status_kib("self", "VmHWM")
    if kib:
        return kib / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> None:
    """Start a new peak-memory window for this process (Linux: clear_refs 5 resets VmHWM), where allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
