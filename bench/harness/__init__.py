"""The benches' shared parts: `stack` (paths, ports, processes, CPU time, template databases,
server commands), the load generators run as separate processes (`http_load`, `ws_load`), the
mixed production traffic (`mixed`) and its books check (`books`), and the TCP_NODELAY fake
upstream (`fake_upstream`). The entry scripts (bench/*.py) import from here, never each other."""
