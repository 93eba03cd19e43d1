"""gunicorn settings module for `yingji serve` when YINGJI_METRICS is on (prometheus_client's multiprocess mode):
a worker that exits has its live gauges dropped; its counters stay summed in the files it wrote."""


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
