import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { RequestFraming } from './request-framing';

/**
 * A connection as Node's HTTP server sees it: the TCP socket's bytes after RequestFraming.
 * Writes, timeouts, pausing and destruction go straight to the socket.
 */
export class FramedSocket extends Duplex {
  private readonly framing: RequestFraming;
  private paused = false;

  constructor(
    private readonly socket: Socket,
    marker: string,
  ) {
    super({ allowHalfOpen: true });
    this.framing = new RequestFraming(marker);
    socket.on('data', (chunk: Buffer) => {
      for (const piece of this.framing.push(chunk)) {
        if (!this.push(piece)) this.paused = true;
      }
      if (this.paused) socket.pause();
    });
    socket.on('end', () => {
      for (const piece of this.framing.end()) this.push(piece);
      this.push(null);
    });
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
    socket.on('timeout', () => this.emit('timeout'));
  }

  override _read(): void {
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    if (this.socket.write(chunk, encoding)) done();
    else this.socket.once('drain', () => done());
  }

  override _writev(
    chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>,
    done: (err?: Error | null) => void,
  ): void {
    this.socket.cork();
    let ok = true;
    for (const { chunk, encoding } of chunks) ok = this.socket.write(chunk, encoding);
    this.socket.uncork();
    if (ok) done();
    else this.socket.once('drain', () => done());
  }

  override _final(done: (err?: Error | null) => void): void {
    // Finished once the socket has flushed: destroySoon must not cut bytes still queued there.
    this.socket.end(() => done());
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    if (!this.socket.destroyed) this.socket.destroy(err ?? undefined);
    done(err);
  }

  /** As net.Socket's: end, then destroy once written (Node's server calls it after `Connection: close`). */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  }

  setTimeout(ms: number, callback?: () => void): this {
    this.socket.setTimeout(ms);
    if (callback) this.once('timeout', callback);
    return this;
  }

  setNoDelay(noDelay?: boolean): this {
    this.socket.setNoDelay(noDelay);
    return this;
  }

  setKeepAlive(enable?: boolean, initialDelay?: number): this {
    this.socket.setKeepAlive(enable, initialDelay);
    return this;
  }

  ref(): this {
    this.socket.ref();
    return this;
  }

  unref(): this {
    this.socket.unref();
    return this;
  }

  address(): ReturnType<Socket['address']> {
    return this.socket.address();
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }

  get remoteFamily(): string | undefined {
    return this.socket.remoteFamily;
  }

  get localAddress(): string | undefined {
    return this.socket.localAddress;
  }

  get localPort(): number | undefined {
    return this.socket.localPort;
  }
}

/**
 * Puts RequestFraming in front of `server`'s parser on every connection. The HTTP server keeps
 * listening, tracking and closing connections itself; only the object its connection handler
 * receives changes (Node documents 'connection' as the way to hand it any duplex stream).
 * Returns the header name a renamed Content-Length carries: random per process, so no client
 * can send it.
 */
export function installFraming(server: Server): string {
  const marker = `x-strongroom-declared-length-${randomBytes(6).toString('hex')}`;
  const handlers = server.listeners('connection') as Array<(socket: Duplex) => void>;
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    const framed = new FramedSocket(socket, marker);
    for (const handler of handlers) handler.call(server, framed);
  });
  return marker;
}
