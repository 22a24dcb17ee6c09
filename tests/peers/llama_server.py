"""llama.cpp's HTTP server (the xllamacpp wheel) with a real tiny model, for the AI tests.
Usage: python llama_server.py MODEL.gguf PORT [--embedding]"""
import signal
import sys
import time

import xllamacpp as x

model, port = sys.argv[1], int(sys.argv[2])
p = x.CommonParams()
p.model.path = model
p.hostnames = ["127.0.0.1"]
p.port = port
p.n_ctx = 2048
p.n_parallel = 2
if "--embedding" in sys.argv:
    p.embedding = True
    p.pooling_type = x.llama_pooling_type.LLAMA_POOLING_TYPE_MEAN
server = x.Server(p)
print("listening", server.listening_address, flush=True)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
while True:
    time.sleep(3600)
