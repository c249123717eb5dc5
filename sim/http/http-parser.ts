/**
 * A minimal HTTP/1.1 request parser for a raw socket that Pegasus shares between HTTP and THFT (node:http
 * cannot take over a socket whose first bytes were already read). Keep-alive and pipelining, Content-Length
 * bodies, caps on header and body size. Anything it cannot parse is an error: the caller closes the
 * connection, as Pegasus's parser does (`read_next = -1`).
 */

/** One parsed request. */
export interface HttpRequest {
  method: 'GET' | 'POST';
  /** The request target as sent (origin form or absolute form). */
  target: string;
  /** Header names in lower case. */
  headers: Map<string, string>;
  body: Buffer;
}

/** Limits that keep a bad client from exhausting memory. */
export interface HttpLimits {
  maxHeaderBytes: number;
  maxBodyBytes: number;
}

/** Default limits: 80 KB of headers (node's http_parser default), 1 MB of body. */
export const defaultHttpLimits: HttpLimits = { maxHeaderBytes: 80 * 1024, maxBodyBytes: 1024 * 1024 };

/** What one `push` produced: complete requests, and an error once the stream is unusable. */
export interface ParseOutcome {
  requests: HttpRequest[];
  error?: string;
}

const requestLine = /^(GET|POST) (\S+) HTTP\/1\.[01]$/;
const headerLine = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/;

/** Incremental parser for one connection. */
export class HttpRequestParser {
  private buffer: Buffer = Buffer.alloc(0);
  private pending: { method: 'GET' | 'POST'; target: string; headers: Map<string, string>; length: number } | undefined;
  private failed = false;
  private readonly limits: HttpLimits;

  constructor(limits: HttpLimits = defaultHttpLimits) {
    this.limits = limits;
  }

  /** Feeds bytes; returns the requests completed by them. */
  push(chunk: Buffer): ParseOutcome {
    if (this.failed) return { requests: [], error: 'connection already failed' };
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const requests: HttpRequest[] = [];
    for (;;) {
      if (!this.pending) {
        const head = this.readHead();
        if ('incomplete' in head) break;
        if ('error' in head) return this.fail(requests, head.error);
        this.pending = head;
      }
      if (this.buffer.length < this.pending.length) break;
      const body = this.buffer.subarray(0, this.pending.length);
      this.buffer = this.buffer.subarray(this.pending.length);
      requests.push({
        method: this.pending.method,
        target: this.pending.target,
        headers: this.pending.headers,
        body: Buffer.from(body),
      });
      this.pending = undefined;
    }
    return { requests };
  }

  private fail(requests: HttpRequest[], error: string): ParseOutcome {
    this.failed = true;
    this.buffer = Buffer.alloc(0);
    return { requests, error };
  }

  private readHead():
    | { incomplete: true }
    | { error: string }
    | { method: 'GET' | 'POST'; target: string; headers: Map<string, string>; length: number } {
    // Tolerate blank lines between pipelined requests, as http_parser does.
    while (this.buffer.length >= 2 && this.buffer[0] === 0x0d && this.buffer[1] === 0x0a) {
      this.buffer = this.buffer.subarray(2);
    }
    // http_parser also accepts bare LF line ends.
    const crlf = this.buffer.indexOf('\r\n\r\n');
    const lf = this.buffer.indexOf('\n\n');
    const end = crlf < 0 ? lf : lf < 0 ? crlf : Math.min(crlf, lf);
    const terminator = end === crlf ? 4 : 2;
    if (end < 0) {
      if (this.buffer.length > this.limits.maxHeaderBytes) return { error: 'header section too large' };
      return { incomplete: true };
    }
    if (end > this.limits.maxHeaderBytes) return { error: 'header section too large' };
    const lines = this.buffer.subarray(0, end).toString('latin1').split(/\r?\n/);
    this.buffer = this.buffer.subarray(end + terminator);
    const match = requestLine.exec(lines[0] ?? '');
    if (!match) return { error: 'bad request line' };
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const h = headerLine.exec(line);
      if (!h) return { error: 'bad header line' };
      const name = (h[1] ?? '').toLowerCase();
      const value = h[2] ?? '';
      if (name === 'content-length' && headers.has(name) && headers.get(name) !== value) {
        return { error: 'conflicting Content-Length' };
      }
      headers.set(name, value);
    }
    if (headers.has('transfer-encoding')) return { error: 'Transfer-Encoding is not supported' };
    const lengthText = headers.get('content-length') ?? '0';
    if (!/^\d+$/.test(lengthText)) return { error: 'bad Content-Length' };
    const length = Number(lengthText);
    if (length > this.limits.maxBodyBytes) return { error: 'body too large' };
    return { method: match[1] as 'GET' | 'POST', target: match[2] ?? '/', headers, length };
  }
}

/** An HTTP answer as Pegasus writes it (`http_response_reply`). */
export interface HttpResponse {
  status: 200 | 307 | 400 | 404 | 500;
  body: string;
  location?: string;
}

const statusText: Readonly<Record<HttpResponse['status'], string>> = {
  200: '200 OK',
  307: '307 Temporary Redirect',
  400: '400 Bad Request',
  404: '404 Not Found',
  500: '500 Internal Server Error',
};

/** The bytes of a response: status line, `Content-Type: text/plain`, `Content-Length`, `Location` if any. */
export function encodeResponse(response: HttpResponse): Buffer {
  const body = Buffer.from(response.body, 'utf8');
  let head = `HTTP/1.1 ${statusText[response.status]}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n`;
  if (response.location !== undefined && response.location !== '') head += `Location: ${response.location}\r\n`;
  head += '\r\n';
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}
