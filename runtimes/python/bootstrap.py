"""Gatehouse's Python runtime: the loop AWS Lambda's Python runtime runs, with the standard
library only. It loads the handler (``module.function``) once, then asks the Lambda Runtime
API (``AWS_LAMBDA_RUNTIME_API``) for each event, calls the handler with the event and a
context object, and posts the result or the error in Lambda's shape.
"""
import decimal
import importlib
import json
import logging
import os
import socket
import struct
import sys
import time
import traceback

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
# Gatehouse also hands its own bootstrap a channel to the Runtime API (its end of a socket pair,
# on this descriptor), on which the same calls go in a private framing rather than HTTP (see
# ChannelClient). Taken out of the environment before the handler loads, so that the function
# sees Lambda's.
CHANNEL_FD = os.environ.pop("_GATEHOUSE_RUNTIME_API_FD", None)
PREFIX = "/2018-06-01/runtime"
PREFIX_BYTES = PREFIX.encode("latin-1")
ERROR_CONTENT_TYPE = "application/vnd.aws.lambda.error+json"

class ProtocolError(Exception):
    """The Runtime API answered something that is not an HTTP/1.1 response (or a frame)."""


class SocketReader:
    """Reading from the Runtime API's socket, for both clients."""

    _socket = None
    _closed = "the Runtime API closed the connection"

    def _recv(self):
        chunk = self._socket.recv(65536)
        if not chunk:
            raise ConnectionResetError(self._closed)
        return chunk

    def _gather(self, buffer, n):
        """``buffer`` and what the socket sends after it, until there are at least ``n`` bytes
        (an event may be megabytes: gathered in a list, joined once)."""
        if len(buffer) >= n:
            return buffer
        parts = [buffer]
        have = len(buffer)
        while have < n:
            chunk = self._recv()
            parts.append(chunk)
            have += len(chunk)
        return b"".join(parts)


class RuntimeApiClient(SocketReader):
    """HTTP/1.1 to the Runtime API over one kept-alive socket, as AWS's runtime interface
    client keeps one connection (libcurl's) for its whole life. Written on the socket rather
    than with ``http.client``: that one parses every response's headers with the ``email``
    package and sends a request's headers and body in two writes, which cost this loop more
    than the handler does (profiled with cProfile). Only what the Runtime API answers is
    read: a status line, headers, a ``Content-Length`` (or chunked) body."""

    def __init__(self, address):
        host, port = address.rsplit(":", 1)
        self._address = (host, int(port))
        self._host = address
        self.host_bytes = address.encode("latin-1")
        self._socket = None
        self._buffer = b""

    def next_message(self):
        return self.message("GET", "/invocation/next")

    def response_message(self, request_id, payload):
        """The request that posts a handler's result: written here (with ``Host`` and
        ``Content-Length`` first, as ``message`` writes them), once per invocation."""
        return b"POST %s/invocation/%s/response HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\nContent-Type: application/json\r\n\r\n%s" % (
            PREFIX_BYTES,
            str(request_id).encode("latin-1"),
            self.host_bytes,
            len(payload),
            payload,
        )

    def error_message(self, request_id, error):
        """The request that posts ``error`` (Lambda's error JSON and its type header): an
        invocation's, or the init error's when ``request_id`` is None."""
        path = "/init/error" if request_id is None else "/invocation/{}/error".format(request_id)
        return self.message(
            "POST",
            path,
            to_json(error).encode("utf-8"),
            {"Content-Type": ERROR_CONTENT_TYPE, "Lambda-Runtime-Function-Error-Type": error["errorType"]},
        )

    def message(self, method, path, body=b"", headers=None):
        """One request's bytes: the head and the body, sent in one write."""
        head = "{} {}{} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n".format(method, PREFIX, path, self._host, len(body))
        if headers:
            for name, value in headers.items():
                value = str(value)
                if "\r" in value or "\n" in value:
                    raise ValueError("Invalid header value {!r}".format(value))
                head += "{}: {}\r\n".format(name, value)
        return (head + "\r\n").encode("latin-1") + body

    def request(self, method, path, body=b"", headers=None):
        """``(status, headers with lower-case names, body)``; once more on a new connection if the kept one dropped."""
        return self.exchange((self.message(method, path, body, headers),))

    def exchange(self, messages):
        """Sends requests back to back in one write (HTTP/1.1 pipelining: a response and the
        next ``/next``, so that one wake-up serves both) and returns the last one's answer.
        The requests not answered yet go once more on a new connection if the kept one
        dropped or was closed after an answer."""
        answered = 0
        failed = False
        while True:
            try:
                if self._socket is None:
                    self._connect()
                rest = messages[answered:]
                self._socket.sendall(rest[0] if len(rest) == 1 else b"".join(rest))
                while True:
                    result = self._response()
                    answered += 1
                    if answered == len(messages):
                        return result
                    if self._socket is None:
                        break  # closed after that answer: the rest on a new connection
            except (ProtocolError, ConnectionError):
                self.close()
                if failed:
                    raise
                failed = True

    def close(self):
        if self._socket is not None:
            self._socket.close()
        self._socket = None
        self._buffer = b""

    def _connect(self):
        self._socket = socket.create_connection(self._address)
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _response(self):
        buffer = self._buffer
        end = buffer.find(b"\r\n\r\n")
        while end < 0:
            buffer += self._recv()
            end = buffer.find(b"\r\n\r\n")
        lines = buffer[:end].decode("latin-1").split("\r\n")
        self._buffer = buffer[end + 4 :]
        status_line = lines[0].split(" ", 2)
        if len(status_line) < 2 or not status_line[0].startswith("HTTP/") or not status_line[1].isdigit():
            raise ProtocolError("bad status line {!r}".format(lines[0]))
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = self._chunked()
        elif "content-length" in headers:
            body = self._exactly(int(headers["content-length"]))
        else:
            # No length: the body runs to the end of the connection.
            parts = [self._buffer]
            self._buffer = b""
            while True:
                chunk = self._socket.recv(65536)
                if not chunk:
                    break
                parts.append(chunk)
            body = b"".join(parts)
            self.close()
        if headers.get("connection", "").lower() == "close":
            self.close()
        return int(status_line[1]), headers, body

    def _exactly(self, n):
        """The next ``n`` bytes."""
        data = self._gather(self._buffer, n)
        self._buffer = data[n:]
        return data[:n]

    def _line(self):
        end = self._buffer.find(b"\r\n")
        while end < 0:
            self._buffer += self._recv()
            end = self._buffer.find(b"\r\n")
        line = self._buffer[:end]
        self._buffer = self._buffer[end + 2 :]
        return line

    def _chunked(self):
        parts = []
        while True:
            size = int(self._line().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self._line():
                    pass  # trailers, up to the empty line
                return b"".join(parts)
            parts.append(self._exactly(size))
            self._exactly(2)


# A frame: its kind, its head's length and its body's (big-endian), then the head (fields split
# by NUL) and the body. src/functions/runtime-api/frames.ts is the other end.
FRAME = struct.Struct(">BII")
NEXT_FRAME = FRAME.pack(0x6E, 0, 0)  # 'n': /next
RESPONSE_FRAME = 0x72  # 'r': head the request id, body the payload
INVOCATION_ERROR_FRAME = 0x65  # 'e': head the request id, NUL, the error type
INIT_ERROR_FRAME = 0x69  # 'i': head the error type
INVOCATION_FRAME = 0x76  # 'v': the answer to /next
ANSWER_FRAME = 0x61  # 'a': any other answer: head the status, NUL, the call's kind
INVOCATION_HEADERS = (
    "lambda-runtime-aws-request-id",
    "lambda-runtime-deadline-ms",
    "lambda-runtime-invoked-function-arn",
    "lambda-runtime-trace-id",
    "lambda-runtime-client-context",
    "lambda-runtime-cognito-identity",
)


class ChannelClient(SocketReader):
    """The Runtime API's calls on the channel Gatehouse hands its own bootstrap, framed rather
    than HTTP: an event is read with one ``recv`` and one ``unpack``, and the gateway parses no
    HTTP either (docs/runtimes.md has what it saves). The calls and their answers are the HTTP Runtime API's, with its
    status codes and bodies; the ``202`` to a response or error is not sent (``exchange``
    returns the last call's answer, as over HTTP). ``exchange`` returns what
    ``RuntimeApiClient.exchange`` does, with the invocation's fields as its lower-case headers."""

    _closed = "the Runtime API closed the channel"

    def __init__(self, sock):
        self._socket = sock
        self._buffer = b""

    def next_message(self):
        return NEXT_FRAME

    def response_message(self, request_id, payload):
        head = str(request_id).encode("utf-8")
        return FRAME.pack(RESPONSE_FRAME, len(head), len(payload)) + head + payload

    def error_message(self, request_id, error):
        body = to_json(error).encode("utf-8")
        if request_id is None:
            kind, head = INIT_ERROR_FRAME, error["errorType"].encode("utf-8")
        else:
            kind, head = INVOCATION_ERROR_FRAME, "{}\0{}".format(request_id, error["errorType"]).encode("utf-8")
        return FRAME.pack(kind, len(head), len(body)) + head + body

    def exchange(self, messages):
        self._socket.sendall(messages[0] if len(messages) == 1 else b"".join(messages))
        last = messages[-1][0]
        while True:
            kind, head, body = self._frame()
            if kind == INVOCATION_FRAME and last == NEXT_FRAME[0]:
                headers = {}
                for name, value in zip(INVOCATION_HEADERS, head.decode("utf-8").split("\0")):
                    if value:
                        headers[name] = value
                return 200, headers, body
            if kind != ANSWER_FRAME:
                raise ProtocolError("unexpected frame kind {:#x}".format(kind))
            status, _, answered = head.decode("utf-8").partition("\0")
            if answered == chr(last):
                return int(status), {}, body
            # An earlier call's refusal (a response for an abandoned invocation): as over HTTP,
            # only the last call's answer is returned.

    def _frame(self):
        buffer = self._gather(self._buffer, FRAME.size)
        kind, head_length, body_length = FRAME.unpack_from(buffer)
        body_start = FRAME.size + head_length
        end = body_start + body_length
        buffer = self._gather(buffer, end)
        self._buffer = buffer[end:]
        return kind, buffer[FRAME.size : body_start], buffer[body_start:end]


def channel_client(fd):
    """The channel on descriptor ``fd``, taken now (before the handler loads, so that no process
    it starts inherits it); None if it is not a socket after all (then HTTP on TCP)."""
    try:
        sock = socket.socket(fileno=int(fd))
        sock.set_inheritable(False)
        return ChannelClient(sock)
    except (OSError, ValueError):
        return None


_client = None


def make_error(message, error_type, stack_trace, request_id=None):
    return {
        "errorMessage": message or "",
        "errorType": error_type or "",
        "requestId": request_id or "",
        "stackTrace": stack_trace or [],
    }


def log_error(error):
    """Lambda's one-record error line: ``[ERROR] Type: message`` and the traceback."""
    description = "[ERROR]"
    if error.get("errorType"):
        description += " " + error["errorType"]
    if error.get("errorMessage"):
        if error.get("errorType"):
            description += ":"
        description += " " + error["errorMessage"]
    lines = [description]
    if error.get("stackTrace") is not None:
        lines.append("Traceback (most recent call last):")
        for element in error["stackTrace"]:
            lines.extend(element.splitlines() or [""])
    # One record: Lambda turns the line breaks into carriage returns in the log.
    sys.stdout.write("\r".join(lines) + "\n")
    sys.stdout.flush()


class FaultException(Exception):
    MARSHAL_ERROR = "Runtime.MarshalError"
    UNMARSHAL_ERROR = "Runtime.UnmarshalError"
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"

    def __init__(self, exception_type, msg, trace=None):
        super().__init__(msg)
        self.exception_type = exception_type
        self.msg = msg
        self.trace = trace


def user_trace(tb):
    """The traceback without the runtime's own frames (as Lambda shows it)."""
    entries = traceback.extract_tb(tb)
    here = os.path.abspath(__file__)
    entries = [e for e in entries if os.path.abspath(e.filename) != here]
    return traceback.format_list(entries)


def fault_result(exc_info, request_id):
    etype, value, tb = exc_info
    return make_error(str(value), etype.__name__, user_trace(tb), request_id)


def get_handler(handler):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException(FaultException.MALFORMED_HANDLER_NAME, "Bad handler '{}': {}".format(handler, e))
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultException(
                FaultException.BUILT_IN_MODULE_CONFLICT,
                "Cannot use built-in module {} as a handler module".format(modname),
            )
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise FaultException(FaultException.IMPORT_MODULE_ERROR, "Unable to import module '{}': {}".format(modname, e))
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise FaultException(
            FaultException.USER_CODE_SYNTAX_ERROR, "Syntax error in module '{}': {}".format(modname, e), trace
        )
    try:
        return getattr(module, fname)
    except AttributeError:
        fault = FaultException(
            FaultException.HANDLER_NOT_FOUND, "Handler '{}' missing on module '{}'".format(fname, modname)
        )

        def fault_handler(*args):
            raise fault

        return fault_handler


class CognitoIdentity:
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]


class Client:
    __slots__ = ["installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name"]


class ClientContext:
    __slots__ = ["custom", "env", "client"]


def environment_reader():
    """``os.environ.get`` for names given as bytes, reading the same mapping (so a variable the
    function changes is seen, as AWS's runtime reads these per invocation), without
    ``os.environ``'s Python-level ``Mapping.get``, ``__getitem__`` and key encoding: five reads
    per invocation were a quarter of this loop's own time (cProfile)."""
    data = getattr(os.environ, "_data", None)
    if os.name != "posix" or not isinstance(data, dict):
        return lambda name: os.environ.get(name.decode("ascii"))
    encoding = sys.getfilesystemencoding()

    def get(name):
        value = data.get(name)
        return None if value is None else value.decode(encoding, "surrogateescape")

    return get


_environ_get = environment_reader()


class LambdaContext:
    """The ``context`` argument, with the attributes of AWS's Python runtime."""

    def __init__(self, request_id, deadline_ms, invoked_function_arn, client_context, cognito_identity):
        self.aws_request_id = request_id
        self.log_group_name = _environ_get(b"AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = _environ_get(b"AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = _environ_get(b"AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = _environ_get(b"AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = _environ_get(b"AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = None
        self._deadline_ms = deadline_ms
        self.client_context = None
        self.identity = None
        if client_context:
            cc = ClientContext()
            cc.custom = client_context.get("custom")
            cc.env = client_context.get("env")
            cc.client = None
            if client_context.get("client"):
                c = Client()
                for key in Client.__slots__:
                    setattr(c, key, client_context["client"].get(key))
                cc.client = c
            self.client_context = cc
        if cognito_identity:
            ci = CognitoIdentity()
            ci.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            ci.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")
            self.identity = ci

    def get_remaining_time_in_millis(self):
        return int(max(self._deadline_ms - int(round(time.time() * 1000)), 0))

    def log(self, msg):
        sys.stdout.write(str(msg))
        sys.stdout.flush()

    def __repr__(self):
        return (
            "LambdaContext([aws_request_id={},log_group_name={},log_stream_name={},function_name={},"
            "memory_limit_in_mb={},function_version={},invoked_function_arn={},client_context={},identity={}])"
        ).format(
            self.aws_request_id,
            self.log_group_name,
            self.log_stream_name,
            self.function_name,
            self.memory_limit_in_mb,
            self.function_version,
            self.invoked_function_arn,
            self.client_context,
            self.identity,
        )


class LambdaJSONEncoder(json.JSONEncoder):
    """Decimals (DynamoDB's numbers) as JSON numbers, as Lambda's encoder writes them."""

    def default(self, o):
        if isinstance(o, decimal.Decimal):
            return int(o) if o == o.to_integral_value() else float(o)
        return super().default(o)


# One encoder for the life of the runtime: what json.dumps(obj, cls=LambdaJSONEncoder) builds per call.
_encoder = LambdaJSONEncoder()


def to_json(obj):
    return _encoder.encode(obj)


_current_request_id = None


class LambdaLoggerFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _current_request_id or ""
        return True


def setup_logging():
    """The root logger's handler and format on Lambda: ``[LEVEL]\\ttime\\trequest id\\tmessage``."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n", "%Y-%m-%dT%H:%M:%S"
        )
    )
    handler.formatter.converter = time.gmtime
    handler.addFilter(LambdaLoggerFilter())
    handler.terminator = ""
    root = logging.getLogger()
    root.addHandler(handler)
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL")
    if level:
        root.setLevel(level.upper())


def handle(handler, request_id, body, headers):
    """Runs one invocation; returns the request that posts its outcome (sent with the next
    ``/next``), after what the handler printed has been flushed to the log."""
    global _current_request_id
    _current_request_id = request_id
    try:
        client_context = headers.get("lambda-runtime-client-context")
        cognito = headers.get("lambda-runtime-cognito-identity")
        context = LambdaContext(
            request_id,
            int(headers.get("lambda-runtime-deadline-ms") or 0),
            headers.get("lambda-runtime-invoked-function-arn"),
            json.loads(client_context) if client_context else None,
            json.loads(cognito) if cognito else None,
        )
        os.environ["_X_AMZN_TRACE_ID"] = headers.get("lambda-runtime-trace-id") or ""
        try:
            event = json.loads(body)
        except ValueError as e:
            raise FaultException(FaultException.UNMARSHAL_ERROR, "Unable to unmarshal input: {}".format(e))
        result = handler(event, context)
        try:
            payload = to_json(result)
        except (TypeError, ValueError) as e:
            raise FaultException(FaultException.MARSHAL_ERROR, "Unable to marshal response: {}".format(e))
        return _client.response_message(request_id, payload.encode("utf-8"))
    except FaultException as e:
        error = make_error(e.msg, e.exception_type, e.trace, request_id)
        log_error(error)
        return _client.error_message(request_id, error)
    except Exception:
        error = fault_result(sys.exc_info(), request_id)
        log_error(error)
        return _client.error_message(request_id, error)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


def die_with_gateway():
    """Linux: end this runtime if the gateway that started it dies without stopping it."""
    try:
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, 9)
    except Exception:
        pass


def main():
    if sys.platform.startswith("linux"):
        die_with_gateway()
    global _client
    _client = (channel_client(CHANNEL_FD) if CHANNEL_FD is not None else None) or RuntimeApiClient(API)
    setup_logging()
    task_root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    if task_root not in sys.path:
        sys.path.insert(0, task_root)
    error = None
    try:
        handler = get_handler(os.environ["_HANDLER"])
    except FaultException as e:
        error = make_error(e.msg, e.exception_type, e.trace)
    except Exception:
        # An exception raised while the module loads: reported with its own type.
        error = fault_result(sys.exc_info(), None)
    if error is not None:
        log_error(error)
        _client.exchange((_client.error_message(None, error),))
        sys.exit(1)
    next_message = _client.next_message()
    exchange = _client.exchange
    # The first /next alone; then each outcome posted with the next /next behind it.
    requests = (next_message,)
    while True:
        status, headers, body = exchange(requests)
        if status != 200:
            sys.stderr.write("Runtime API /next answered {}: {}\n".format(status, body[:200]))
            sys.exit(1)
        requests = (handle(handler, headers.get("lambda-runtime-aws-request-id"), body, headers), next_message)


if __name__ == "__main__":
    main()
