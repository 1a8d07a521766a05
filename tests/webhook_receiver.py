"""A real HTTP receiver for webhook tests: records each POST and answers from a script."""
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Receiver:
    """``Receiver(port).start()``; ``answers`` is a list of status codes used in turn (the last
    one repeats); ``hang=True`` makes it hold every request until ``stop()``."""

    def __init__(self, port=None, answers=(200,), hang=False):
        self.port = port or free_port()
        self.answers = list(answers)
        self.hang = hang
        self.requests = []
        self.release = threading.Event()
        self.server = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append((self.headers, body))  # case-insensitive
                if receiver.hang:
                    receiver.release.wait(30)
                    return
                code = receiver.answers.pop(0) if len(receiver.answers) > 1 else receiver.answers[0]
                text = b"ok" if code < 400 else b"receiver trouble"
                self.send_response(code)
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.release.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
