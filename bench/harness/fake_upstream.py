"""The loopback fake OpenAI upstream (tests/fakes/openai_server.py) with TCP_NODELAY, for benches.

The fake's handler writes the status line and headers, then the body, in two sends; with Nagle's
algorithm on, the body waits for the client's delayed ACK of the headers (~40 ms on Linux), which
would drown every number the benchmark measures. Real upstreams don't behave so.
"""

from tests.fakes import openai_server

openai_server._Handler.disable_nagle_algorithm = True

if __name__ == "__main__":
    openai_server.main()
