"""The billed calls: one model request from a checked body to its settled bill and log row.

`call.py` is a request's steps (model and scope checks, hold, upstream, settle, log), whatever
the endpoint; `chat.py`, `chat_stream.py` (and its SSE rendering, `chat_sse.py`), `embeddings.py`
and `images.py` are the endpoints' own work; `responses_*.py` serve OpenAI's Responses API as a
chat call. Transport-neutral: proxy/endpoints.py and the WebSocket consumer call them.
"""
